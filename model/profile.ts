// Kernel-version profiles. The model describes this machine's kernel ("current", 6.18); a program that
// assumes an older kernel (Program.kernel) gets the same model with each later change undone. One entry
// per change, named after the commit that made it, each one measured on the booted kernels
// (test/kernel/versions.ts runs a scenario per change on 6.1, 6.12 and this machine). Where the commit
// could not be identified, the entry says so and gives what was measured. Commit ids are given where the
// reference (timens-semantics.md §13) gives them; the other changes are named by subject and release.
import type { Environment, KernelBehaviour } from '../vocab/index.ts';

export interface KernelChanges {
  /** 2b5f9dad32ed "fs/exec: switch timens when a task gets a new mm" (6.2). With it: exec enters
   *  time_for_children (freezing it), a CLONE_VM child keeps both of its parent's pointers, and sharing
   *  an mm while time != time_for_children is allowed. Without it: exec changes nothing, every child
   *  with a new nsproxy enters its time_for_children at birth (timens_on_fork, CLONE_VM children too),
   *  and copy_process refuses CLONE_VM or CLONE_THREAD while the parent's time != time_for_children. */
  execSwitchesTimens: boolean;
  /** a402f1e35313 "fork: allow CLONE_NEWTIME in clone3 flags" (6.3; 6.1.192 has it as a stable
   *  backport, measured). Without it clone3_args_valid refuses CLONE_NEWTIME with EINVAL. */
  clone3AllowsNewtime: boolean;
  /** The errno of a namespace ioctl on a pidfd. 6.1: pidfds have no ioctl (ENOTTY). 6.11 gave pidfds
   *  an ioctl ("pidfs: allow retrieval of namespace file descriptors") that answers EINVAL to other
   *  commands (measured on 6.12.117); 6.18 answers ENOTTY again (measured; commit not identified). */
  pidfdNsIoctl: 'ENOTTY' | 'EINVAL';
  /** "pidfd: add pidfs" (6.9): a pidfd is a pidfs file, opened like any file, so pread reaches vfs_read
   *  and its missing read method (EINVAL). Before, an anonymous inode without FMODE_PREAD: ESPIPE
   *  (measured on 6.1.192). */
  pidfdIsPidfsFile: boolean;
  /** pidfd_open(tid, 0) of a thread that leads no thread group: ENOENT on 6.18, EINVAL on 6.1.192 and
   *  6.12.117 (measured; the commit that changed it is not identified). */
  pidfdOpenNonLeader: 'ENOENT' | 'EINVAL';
  /** The nanoseconds of a timens_offsets record, scanned as %lu into a signed long, pass the parse when
   *  "negative" (2^63 and up). 6.18 takes them: "monotonic 5 18446744073709551615" is 5 s - 1 ns. 6.12
   *  refuses them with EINVAL, record by record, before that record's ERANGE checks; 6.1 after them;
   *  both after EPERM and before EACCES (measured on 6.12.117 and 6.1.192; commits not identified). */
  offsetsNegativeNsec: 'accepted' | 'EINVAL before the range checks' | 'EINVAL after the range checks';
  /** The posix-timers signal rework merged for 6.13 (it_signal_seq, it_sigqueue_seq; commit not
   *  identified): a queued timer signal whose timer was re-armed or deleted since is dropped when taken,
   *  and a timer that fires again while its signal is queued revalidates it in place. Before it (6.1.192
   *  and 6.12.117, measured) such a signal is still delivered, with the si_overrun it gathered: one for
   *  each time the timer fired again while the signal was queued. */
  staleTimerSignalsDropped: boolean;
}

const CURRENT: KernelChanges = {
  execSwitchesTimens: true, clone3AllowsNewtime: true, pidfdNsIoctl: 'ENOTTY', pidfdIsPidfsFile: true, pidfdOpenNonLeader: 'ENOENT',
  offsetsNegativeNsec: 'accepted', staleTimerSignalsDropped: true,
};

export const KERNEL_PROFILES: Record<KernelBehaviour, KernelChanges> = {
  '6.1': {
    ...CURRENT, execSwitchesTimens: false, pidfdNsIoctl: 'ENOTTY', pidfdIsPidfsFile: false, pidfdOpenNonLeader: 'EINVAL',
    offsetsNegativeNsec: 'EINVAL after the range checks', staleTimerSignalsDropped: false,
  },
  '6.12': {
    ...CURRENT, pidfdNsIoctl: 'EINVAL', pidfdOpenNonLeader: 'EINVAL', offsetsNegativeNsec: 'EINVAL before the range checks',
    staleTimerSignalsDropped: false,
  },
  current: CURRENT,
};

export function kernelChanges(env: Environment): KernelChanges {
  return KERNEL_PROFILES[env.kernel ?? 'current'];
}
