// The kernel release being imitated, as a set of feature bits, the way a backport tree would carry them:
// one bit per upstream change that altered what a program sees of time namespaces, named by its
// commit. The default is this machine's 6.18 ("current"); Environment.kernel picks an older release.
// This is impl's own reading of each change (the model reads them in model/profile.ts); every bit is
// checked against the booted kernels by test/kernel/versions.ts.
import type { Environment, KernelBehaviour } from '../vocab/index.ts';

export interface KernelFeatures {
  /** 2b5f9dad32ed "fs/exec: switch timens when a task gets a new mm" (v6.2): exec_task_namespaces()
   *  exists; copy_namespaces() calls timens_on_fork() only for a child with its own mm; copy_process()
   *  no longer refuses CLONE_VM|CLONE_THREAD while nsproxy->time_ns != time_ns_for_children. */
  fsExecSwitchTimensOnNewMm: boolean;
  /** a402f1e35313 "fork: allow CLONE_NEWTIME in clone3 flags" (v6.3, in 6.1.y by backport):
   *  clone3_args_valid() lets CLONE_NEWTIME through its CSIGNAL test. */
  forkAllowCloneNewtimeInClone3: boolean;
  /** What pidfs answers to an ioctl it does not know. No pidfd ioctl before 6.11 (-ENOTTY from
   *  vfs_ioctl); pidfd_ioctl() of 6.11/6.12 returns -EINVAL; by 6.18 -ENOTTY again. */
  pidfdUnknownIoctl: 'ENOTTY' | 'EINVAL';
  /** "pidfd: add pidfs" (v6.9): pidfds are opened on pidfs and get FMODE_PREAD like any file; before,
   *  anon_inode_getfile() gave them none, so ksys_pread64() answers -ESPIPE. */
  pidfdOnPidfs: boolean;
  /** pidfd_open() of a tid that is not a thread-group leader: -ENOENT in 6.18, -EINVAL in 6.1 and 6.12
   *  (pidfd_prepare()'s "!pid_has_task(pid, PIDTYPE_TGID)"); the commit between is not identified. */
  pidfdOpenNotLeader: 'ENOENT' | 'EINVAL';
  /** The %lu nanoseconds of an offsets record land in a signed long, which the parse compares signed,
   *  so a "negative" one gets through to proc_timens_set_offset(). 6.18 takes it (-1 ns); 6.12 refuses
   *  it with -EINVAL in the per-record loop before the record's -ERANGE checks, 6.1 after them (both
   *  after -EPERM, before -EACCES; measured, the commits are not identified). */
  timensOffsetNegativeNsec: 'accepted' | 'einval-before-range' | 'einval-after-range';
  /** The 6.13 rework of posix-timer signals (it_signal_seq; commit not identified): a queued signal of
   *  a timer re-armed or deleted since is dropped at dequeue, and a re-send while queued only
   *  revalidates it. Before (6.1, 6.12): sigqueue_free() leaves a deleted timer's signal queued,
   *  posixtimer_rearm() skips a stale one but it is delivered, and send_sigqueue() counts each re-send
   *  in si_overrun. */
  posixTimersSignalSeq: boolean;
}

const V6_18: KernelFeatures = {
  fsExecSwitchTimensOnNewMm: true,
  forkAllowCloneNewtimeInClone3: true,
  pidfdUnknownIoctl: 'ENOTTY',
  pidfdOnPidfs: true,
  pidfdOpenNotLeader: 'ENOENT',
  timensOffsetNegativeNsec: 'accepted',
  posixTimersSignalSeq: true,
};
const V6_12: KernelFeatures = {
  ...V6_18, pidfdUnknownIoctl: 'EINVAL', pidfdOpenNotLeader: 'EINVAL', timensOffsetNegativeNsec: 'einval-before-range', posixTimersSignalSeq: false,
};
const V6_1: KernelFeatures = {
  ...V6_12, fsExecSwitchTimensOnNewMm: false, pidfdUnknownIoctl: 'ENOTTY', pidfdOnPidfs: false, timensOffsetNegativeNsec: 'einval-after-range',
};

const RELEASES: Record<KernelBehaviour, KernelFeatures> = { '6.1': V6_1, '6.12': V6_12, current: V6_18 };

export function kernelFeatures(env: Environment): KernelFeatures {
  return RELEASES[env.kernel ?? 'current'];
}
