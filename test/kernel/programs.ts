// Hand-written programs from the semantics reference, one per section, run on the real kernel.
// Each comes with what the reference says the program must observe; reference.test.ts checks those
// expectations, agreement.test.ts runs the same programs against the model.
import { canonicalJson } from '../../harness/canonical.ts';
import type { HostClocks, Observation, Program, ProgramStep, Step } from '../../vocab/index.ts';

export function program(steps: ProgramStep[], seed = 'kernel-reference'): Program {
  return { format: 1, kernel: 'current', env: { seed }, steps };
}

/** The read format of timens_offsets (§5.2): "%-10s %10lld %9ld\n", monotonic then boottime. */
export function offsetsText(mono: [number, number], boot: [number, number]): string {
  const line = (name: string, [sec, nsec]: [number, number]) =>
    `${name.padEnd(10)} ${String(sec).padStart(10)} ${String(nsec).padStart(9)}\n`;
  return line('monotonic', mono) + line('boottime', boot);
}

/** §2.2: unshare, write offsets, unshare again: the new tfc copies the pending one's offsets. */
export const UNSHARE_SEQUENCE = program([
  { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' },
  { task: 't0', call: 'write', fd: 'f1', text: 'monotonic 100 0\nboottime 200 0' },
  { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'r', fd: 'f2' },
  { task: 't0', call: 'read', fd: 'f2' },
  { task: 't0', call: 'readlink', target: 't0', link: 'time' },
  { task: 't0', call: 'readlink', target: 't0', link: 'time_for_children' },
  { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
  // A 2-thread process: the thread that unshares moves its own tfc only.
  { task: 't0', call: 'thread', child: 't1' },
  { task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't1', call: 'readlink', target: 't1', link: 'time_for_children' },
  { task: 't0', call: 'readlink', target: 't0', link: 'time_for_children' },
]);

/** §2.3: clone3(CLONE_NEWTIME) without CLONE_VM freezes at birth; with CLONE_VM it does not. */
export const CLONE3_NEWTIME = program([
  { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' },
  { task: 't0', call: 'write', fd: 'f1', text: 'monotonic 50 0' },
  { task: 't0', call: 'clone3', child: 't1', flags: ['CLONE_NEWTIME'] },
  { task: 't1', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
  { task: 't1', call: 'open', target: 't1', file: 'timens_offsets', mode: 'w', fd: 'f2' },
  { task: 't1', call: 'write', fd: 'f2', text: 'monotonic 1 0' },
  { task: 't0', call: 'write', fd: 'f1', text: 'monotonic 60 0' },
  { task: 't0', call: 'clone3', child: 't2', flags: ['CLONE_NEWTIME', 'CLONE_VM', 'CLONE_VFORK'] },
  { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
  { task: 't2', call: 'readlink', target: 't2', link: 'time' },
  { task: 't2', call: 'readlink', target: 't2', link: 'time_for_children' },
  { task: 't2', call: 'open', target: 't2', file: 'timens_offsets', mode: 'w', fd: 'f3' },
  { task: 't2', call: 'write', fd: 'f3', text: 'boottime 7 0' },
  { task: 't2', call: 'exec' },
  { task: 't2', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: false },
  { task: 't2', call: 'clock_gettime', clock: 'CLOCK_BOOTTIME', vdso: true },
  { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
  { task: 't0', call: 'readlink', target: 't0', link: 'time' },
]);

/** §4: vfork, failed and successful exec, threads and fork while time != tfc. */
export const EXEC_VFORK = program([
  { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' },
  { task: 't0', call: 'write', fd: 'f1', text: 'monotonic 1000 0' },
  { task: 't0', call: 'vfork', child: 't1' },
  { task: 't1', call: 'readlink', target: 't1', link: 'time' },
  { task: 't1', call: 'readlink', target: 't1', link: 'time_for_children' },
  { task: 't1', call: 'exec', fail: true },
  { task: 't1', call: 'readlink', target: 't1', link: 'time' },
  { task: 't1', call: 'exec' },
  { task: 't1', call: 'readlink', target: 't1', link: 'time' },
  { task: 't1', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
  { task: 't0', call: 'write', fd: 'f1', text: 'monotonic 5 0' },
  { task: 't0', call: 'thread', child: 't2' },
  { task: 't2', call: 'readlink', target: 't2', link: 'time' },
  { task: 't0', call: 'fork', child: 't3' },
  { task: 't3', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
  { task: 't0', call: 'exec' },
  { task: 't2', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
  { task: 't0', call: 'readlink', target: 't0', link: 'time' },
  { task: 't0', call: 'wait', child: 't1' },
]);

/** §5.7: the worked examples, on one fresh, unfrozen tfc, then after it was entered. */
export const OFFSETS_WRITES: { text: string; expect: 'ok' | 'EINVAL' | 'ERANGE' | 'EACCES'; after: string }[] = [
  { text: 'monotonic 10 0', expect: 'ok', after: offsetsText([10, 0], [0, 0]) },
  { text: 'boottime -5 0', expect: 'ok', after: offsetsText([10, 0], [-5, 0]) },
  { text: 'monotonic 10 999999999', expect: 'ok', after: offsetsText([10, 999999999], [-5, 0]) },
  { text: 'monotonic 10 1000000000', expect: 'EINVAL', after: offsetsText([10, 999999999], [-5, 0]) },
  { text: 'monotonic 10 0\nboottime 20 0', expect: 'ok', after: offsetsText([10, 0], [20, 0]) },
  { text: 'monotonic 1 0\nmonotonic 2 0', expect: 'ok', after: offsetsText([2, 0], [20, 0]) },
  { text: 'boottime 10 0\nmonotonic bad 0', expect: 'EINVAL', after: offsetsText([2, 0], [20, 0]) },
  { text: 'monotonic 10 0\nboottime 99999999999 0', expect: 'ERANGE', after: offsetsText([2, 0], [20, 0]) },
  { text: 'monotonic 9223372037 0', expect: 'ERANGE', after: offsetsText([2, 0], [20, 0]) },
  { text: 'monotonic 9223372036 0', expect: 'ERANGE', after: offsetsText([2, 0], [20, 0]) },
  { text: 'realtime 1 0', expect: 'EINVAL', after: offsetsText([2, 0], [20, 0]) },
  { text: 'MONOTONIC 1 0', expect: 'EINVAL', after: offsetsText([2, 0], [20, 0]) },
  { text: '', expect: 'EINVAL', after: offsetsText([2, 0], [20, 0]) },
  { text: '1 3 0\n7 4 0\n', expect: 'ok', after: offsetsText([3, 0], [4, 0]) },
  { text: 'monotonic -1 500000000', expect: 'ok', after: offsetsText([-1, 500000000], [4, 0]) },
];
/** After the namespace was entered: check order EINVAL, ERANGE, then EACCES (§5.4). */
export const FROZEN_WRITES: { text: string; expect: 'EINVAL' | 'ERANGE' | 'EACCES' }[] = [
  { text: 'monotonic 10 0', expect: 'EACCES' },
  { text: 'monotonic x 0', expect: 'EINVAL' },
  { text: 'monotonic 9223372037 0', expect: 'ERANGE' },
];
export const OFFSETS_PROGRAM = program([
  { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'rw', fd: 'f1' },
  ...OFFSETS_WRITES.flatMap((w): Step[] => [
    { task: 't0', call: 'write', fd: 'f1', text: w.text },
    { task: 't0', call: 'read', fd: 'f1' },
  ]),
  { task: 't0', call: 'fork', child: 't1' },
  ...FROZEN_WRITES.map((w): Step => ({ task: 't0', call: 'write', fd: 'f1', text: w.text })),
  { task: 't1', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
]);

/** §8: /proc/uptime, sysinfo and btime with a boottime offset of +864000 s. */
export const UPTIME = program([
  { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' },
  { task: 't0', call: 'write', fd: 'f1', text: 'boottime 864000 0' },
  { task: 't0', call: 'fork', child: 't1' },
  { task: 't1', call: 'read_uptime' },
  { task: 't1', call: 'sysinfo' },
  { task: 't1', call: 'read_btime' },
  { task: 't0', call: 'read_uptime' },
  { task: 't0', call: 'sysinfo' },
  { task: 't0', call: 'read_btime' },
  { host: 'advance', ns: '10000000' },
  { task: 't1', call: 'clock_gettime', clock: 'CLOCK_BOOTTIME', vdso: false },
]);

/** §10: nsfs ioctls on time- and user-namespace fds, and setns through an fd. */
export const IOCTLS = program([
  { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'open', target: 't0', file: 'ns/time_for_children', mode: 'r', fd: 'f1' },
  { task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f2' },
  { task: 't0', call: 'ioctl', fd: 'f1', request: 'NS_GET_NSTYPE' },
  { task: 't0', call: 'ioctl', fd: 'f2', request: 'NS_GET_NSTYPE' },
  { task: 't0', call: 'ioctl', fd: 'f1', request: 'NS_GET_PARENT', result: 'f9' },
  { task: 't0', call: 'ioctl', fd: 'f1', request: 'NS_GET_OWNER_UID' },
  { task: 't0', call: 'ioctl', fd: 'f1', request: 'NS_GET_USERNS', result: 'f3' },
  { task: 't0', call: 'ioctl', fd: 'f3', request: 'NS_GET_NSTYPE' },
  { task: 't0', call: 'ioctl', fd: 'f3', request: 'NS_GET_OWNER_UID' },
  { task: 't0', call: 'ioctl', fd: 'f3', request: 'NS_GET_PARENT', result: 'f4' },
  { task: 't0', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'readlink', target: 't0', link: 'time' },
  { task: 't0', call: 'readlink', target: 't0', link: 'time_for_children' },
  { task: 't0', call: 'setns', fd: 'f3', nstype: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'setns', fd: 'f5', nstype: [] },
  { task: 't0', call: 'clock_getres', clock: 'CLOCK_REALTIME_COARSE', vdso: true },
  { task: 't0', call: 'clock_getres', clock: 'CLOCK_MONOTONIC', vdso: false },
  { task: 't0', call: 'clock_getres', clock: 'CLOCK_BOOTTIME_ALARM', vdso: false },
  { task: 't0', call: 'clock_gettime', clock: 'CLOCK_REALTIME_ALARM', vdso: false },
  { task: 't0', call: 'clock_gettime', clock: 10, vdso: true },
]);

/** §11: an unprivileged task gets EPERM alone, and everything inside its own user namespace. */
export const UNPRIVILEGED = program([
  { task: 't0', call: 'fork', child: 't1' },
  { task: 't1', call: 'setuid', uid: 65534 },
  { task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  // Changing euid made the mm non-dumpable; exec makes it dumpable again, so nobody owns its /proc files.
  { task: 't1', call: 'exec' },
  { task: 't1', call: 'open', target: 't1', file: 'timens_offsets', mode: 'w', fd: 'f1' },
  { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER', 'CLONE_NEWTIME'] },
  // §5.6: the fd opened by nobody before it created U may write offsets of a namespace U owns.
  { task: 't1', call: 'write', fd: 'f1', text: 'monotonic 100 0' },
  { task: 't1', call: 'map_root' },
  { task: 't1', call: 'fork', child: 't2' },
  { task: 't2', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
  { task: 't2', call: 'readlink', target: 't2', link: 'time' },
  { task: 't1', call: 'clock_settime', clock: 'CLOCK_MONOTONIC', sec: '1', nsec: 0 },
  // Root of a child user namespace has no capability over the initial one (§11).
  { task: 't1', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f2' },
  { task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f3' },
  { task: 't0', call: 'open', target: 't2', file: 'ns/time', mode: 'r', fd: 'f4' },
  { task: 't0', call: 'fork', child: 't3' },
  { task: 't3', call: 'setuid', uid: 65534 },
  { task: 't3', call: 'unshare', flags: ['CLONE_NEWUSER'] },
  { task: 't3', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't3', call: 'clone3', child: 't4', flags: ['CLONE_NEWUSER', 'CLONE_NEWTIME'] },
  { task: 't4', call: 'open', target: 't4', file: 'timens_offsets', mode: 'w', fd: 'f5' },
]);

/**
 * The legacy clone's exit signal, exit codes and the wait options, each step's expected observation beside
 * it (Linux: kernel/fork.c clone takes flags & CSIGNAL as the exit signal unchecked; kernel/exit.c
 * eligible_child, synchronize_group_exit, do_group_exit, wait_task_zombie; fs/exec.c de_thread resets the
 * exit signal to SIGCHLD). Shared by the model, impl and kernel checks.
 */
export const CLONE_EXIT_WAIT: [Step, Observation][] = [
  // 0x80 | SIGCHLD: CLONE_NEWTIME's bit is read as part of the exit signal 145, so the child is a clone child.
  [{ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] }, { ret: 0 }],
  [{ task: 't0', call: 'clone', child: 't1', flags: [], exitSignal: 0x80 | 17 }, { ret: 0, handle: 't1' }],
  [{ task: 't1', call: 'exit', code: 3 }, { ret: 0 }],
  [{ task: 't0', call: 'wait', child: 't1', options: [] }, { err: 'ECHILD' }],
  [{ task: 't0', call: 'wait', child: 't1', syscall: 'waitid', options: ['__WCLONE'] }, { ret: 1, status: 3 << 8 }],
  // Exit signal 0; exec makes it SIGCHLD. The last thread to exit gives the status, not the leader.
  [{ task: 't0', call: 'clone', child: 't2', flags: [], exitSignal: 0 }, { ret: 0, handle: 't2' }],
  [{ task: 't2', call: 'wait', child: 't2', options: ['__WCLONE'] }, { err: 'ECHILD' }],
  [{ task: 't2', call: 'exec' }, { ret: 0 }],
  [{ task: 't2', call: 'thread', child: 't3' }, { ret: 0, handle: 't3' }],
  [{ task: 't2', call: 'exit', code: 5 }, { ret: 0 }],
  [{ task: 't0', call: 'wait', child: 't2', options: [] }, { ret: 0 }],
  [{ task: 't3', call: 'exit', code: 7 }, { ret: 0 }],
  [{ task: 't0', call: 'wait', child: 't2', options: ['__WCLONE'] }, { err: 'ECHILD' }],
  [{ task: 't0', call: 'wait', child: 't2', options: [] }, { ret: 1, status: 7 << 8 }],
  // exit_group's code (only its low byte) is the status, whoever exited before.
  [{ task: 't0', call: 'fork', child: 't4' }, { ret: 0, handle: 't4' }],
  [{ task: 't4', call: 'thread', child: 't5' }, { ret: 0, handle: 't5' }],
  [{ task: 't4', call: 'exit', code: 9 }, { ret: 0 }],
  [{ task: 't5', call: 'exit_group', code: 256 + 7 }, { ret: 0 }],
  [{ task: 't0', call: 'wait', child: 't4', syscall: 'waitid' }, { ret: 1, status: 7 << 8 }],
  // A vfork-like legacy clone with an ignored signal (SIGURG) and a negative code.
  [{ task: 't0', call: 'clone', child: 't6', flags: ['CLONE_VM', 'CLONE_VFORK'], exitSignal: 23 }, { ret: 0, handle: 't6' }],
  [{ task: 't6', call: 'exit', code: -1 }, { ret: 0 }],
  [{ task: 't0', call: 'wait', child: 't6', syscall: 'wait4', options: ['__WCLONE', '__WALL'] }, { ret: 1, status: 255 << 8 }],
  // A legacy clone checks its flags as clone3 does: a thread while time != time_for_children is fine
  // (6.2+), a thread cannot be waited for, and CLONE_NEWUSER with CLONE_THREAD is refused.
  [{ task: 't0', call: 'clone', child: 't7', flags: ['CLONE_THREAD', 'CLONE_VM'], exitSignal: 17 }, { ret: 0, handle: 't7' }],
  [{ task: 't0', call: 'wait', child: 't7' }, { err: 'ECHILD' }],
  [{ task: 't0', call: 'clone', child: 't8', flags: ['CLONE_THREAD', 'CLONE_VM', 'CLONE_NEWUSER'], exitSignal: 17 }, { err: 'EINVAL' }],
  // A child still running, then one that is not the caller's.
  [{ task: 't0', call: 'clone', child: 't9', flags: ['CLONE_NEWUSER'], exitSignal: 255 }, { ret: 0, handle: 't9' }],
  [{ task: 't0', call: 'wait', child: 't9', options: ['__WCLONE'] }, { ret: 0 }],
  [{ task: 't9', call: 'wait', child: 't9' }, { err: 'ECHILD' }],
  [{ task: 't9', call: 'exit_group' }, { ret: 0 }],
  [{ task: 't0', call: 'wait', child: 't9', syscall: 'waitid', options: ['__WALL'] }, { ret: 1, status: 0 }],
];
export const CLONE_EXIT_WAIT_PROGRAM = program(CLONE_EXIT_WAIT.map(([s]) => s));

/** After unshare(CLONE_NEWTIME), a legacy clone with the bit 0x80 set makes no namespace: the child enters
 *  the caller's time_for_children, as a fork does (steps 3 and 4 name the same namespace, 5 another). */
export const CLONE_NEWTIME_BIT = program([
  { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'clone', child: 't1', flags: [], exitSignal: 0x80 },
  { task: 't0', call: 'clone3', child: 't2', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'readlink', target: 't0', link: 'time_for_children' },
  { task: 't1', call: 'readlink', target: 't1', link: 'time' },
  { task: 't2', call: 'readlink', target: 't2', link: 'time' },
]);

/**
 * The file position of timens_offsets (fs/proc/base.c: a seq_file, single_open; fs/seq_file.c:
 * seq_read_iter, traverse, seq_lseek): a read(2) that stops part-way keeps the rest of the text it made
 * for the next read, whatever the offsets are by then; a read at 0 or a seek to another position makes
 * the text afresh; write(2) is taken only at position 0; pwrite has no FMODE_PWRITE (ESPIPE). The file,
 * and so its position, is shared with a forked child. Measured on 6.18.
 */
const LINE = (name: string, sec: number) => `${name.padEnd(10)} ${String(sec).padStart(10)} ${'0'.padStart(9)}\n`;
const TEXT = (mono: number) => LINE('monotonic', mono) + LINE('boottime', 0);
export const OFFSETS_POSITION: [Step, Observation][] = [
  [{ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] }, { ret: 0 }],
  [{ task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'rw', fd: 'f0' }, { ret: 0, handle: 'f0' }],
  [{ task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' }, { ret: 0, handle: 'f1' }],
  [{ task: 't0', call: 'write', fd: 'f0', text: 'monotonic 1 0' }, { ret: 13 }],
  [{ task: 't0', call: 'read', fd: 'f0', count: 10, pos: 'current' }, { ret: 10, text: TEXT(1).slice(0, 10) }],
  [{ task: 't0', call: 'write', fd: 'f0', text: 'monotonic 2 0' }, { err: 'EINVAL' }], // position 10
  [{ task: 't0', call: 'write', fd: 'f1', text: 'monotonic 3 0' }, { ret: 13 }],
  [{ task: 't0', call: 'read', fd: 'f0', pos: 'current' }, { ret: 54, text: TEXT(1).slice(10) }], // the kept text: 1, not 3
  [{ task: 't0', call: 'read', fd: 'f0', count: 5, pos: 'current' }, { ret: 0, text: '' }],
  [{ task: 't0', call: 'lseek', fd: 'f0', offset: 10, whence: 'SEEK_SET' }, { ret: 10 }], // made afresh: 3
  [{ task: 't0', call: 'write', fd: 'f1', text: 'monotonic 4 0' }, { ret: 13 }],
  [{ task: 't0', call: 'read', fd: 'f0', count: 20, pos: 'current' }, { ret: 20, text: TEXT(3).slice(10, 30) }],
  [{ task: 't0', call: 'lseek', fd: 'f0', offset: -31, whence: 'SEEK_CUR' }, { err: 'EINVAL' }], // 30 - 31 < 0
  [{ task: 't0', call: 'lseek', fd: 'f0', offset: 0, whence: 'SEEK_END' }, { err: 'EINVAL' }],
  [{ task: 't0', call: 'read', fd: 'f0', count: 8, pos: 40 }, { ret: 8, text: TEXT(4).slice(40, 48) }], // pread: its own position
  [{ task: 't0', call: 'read', fd: 'f0', count: 8, pos: 'current' }, { ret: 8, text: TEXT(4).slice(30, 38) }],
  [{ task: 't0', call: 'write', fd: 'f0', text: 'monotonic 5 0', pos: 0 }, { err: 'ESPIPE' }],
  [{ task: 't0', call: 'lseek', fd: 'f0', offset: 1000, whence: 'SEEK_SET' }, { ret: 1000 }],
  [{ task: 't0', call: 'read', fd: 'f0', pos: 'current' }, { ret: 0, text: '' }],
  [{ task: 't0', call: 'fork', child: 't1' }, { ret: 0, handle: 't1' }],
  [{ task: 't1', call: 'lseek', fd: 'f0', offset: 0, whence: 'SEEK_SET' }, { ret: 0 }],
  // The child moved the shared position back to 0: the write passes that check, and meets the namespace
  // the fork froze (EACCES, not EINVAL).
  [{ task: 't0', call: 'write', fd: 'f0', text: 'monotonic 6 0' }, { err: 'EACCES' }],
  [{ task: 't0', call: 'read', fd: 'f1', pos: 'current' }, { err: 'EBADF' }],
  [{ task: 't0', call: 'lseek', fd: 'f1', offset: 3, whence: 'SEEK_SET' }, { ret: 3 }], // seeking needs no read access
  [{ task: 't0', call: 'write', fd: 'f1', text: 'monotonic 7 0' }, { err: 'EINVAL' }],
  [{ task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f2' }, { ret: 0, handle: 'f2' }],
  [{ task: 't0', call: 'lseek', fd: 'f2', offset: 0, whence: 'SEEK_SET' }, { err: 'ESPIPE' }],
  [{ task: 't0', call: 'read', fd: 'f2', count: 3, pos: 'current' }, { err: 'EINVAL' }],
  [{ task: 't0', call: 'write', fd: 'f2', text: 'x', pos: 0 }, { err: 'EBADF' }],
  [{ task: 't0', call: 'pidfd_open', target: 't0', fd: 'f3' }, { ret: 0, handle: 'f3' }],
  [{ task: 't0', call: 'lseek', fd: 'f3', offset: 0, whence: 'SEEK_CUR' }, { err: 'ESPIPE' }],
  [{ task: 't0', call: 'read', fd: 'f3', count: 3, pos: 'current' }, { err: 'EINVAL' }],
  [{ task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f4' }, { ret: 0, handle: 'f4' }],
  [{ task: 't0', call: 'lseek', fd: 'f4', offset: -7, whence: 'SEEK_END' }, { ret: 0 }], // noop_llseek
  [{ task: 't0', call: 'write', fd: 'f4', text: '12345678', pos: 0 }, { err: 'ESPIPE' }],
];
export const OFFSETS_POSITION_PROGRAM = program(OFFSETS_POSITION.map(([s]) => s));

/**
 * prctl(PR_SET_DUMPABLE) decides who may open a task's namespace files and timens_offsets (ptrace access:
 * a non-dumpable mm needs CAP_SYS_PTRACE over the mm's user namespace; the proc inode then belongs to root
 * of that namespace). The mm's flag is shared by its threads; setuid clears it (fs.suid_dumpable 0); exec
 * sets it again. Measured on 6.18.
 */
export const DUMPABLE: [Step, Observation][] = [
  [{ task: 't0', call: 'prctl', option: 'PR_GET_DUMPABLE' }, { ret: 1 }],
  [{ task: 't0', call: 'fork', child: 't1' }, { ret: 0, handle: 't1' }],
  [{ task: 't1', call: 'setuid', uid: 1000 }, { ret: 0 }],
  [{ task: 't1', call: 'prctl', option: 'PR_GET_DUMPABLE' }, { ret: 0 }],
  [{ task: 't1', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 1 }, { ret: 0 }],
  [{ task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] }, { ret: 0 }],
  [{ task: 't1', call: 'fork', child: 't2' }, { ret: 0, handle: 't2' }], // root of t1's new namespace
  [{ task: 't1', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 2 }, { err: 'EINVAL' }],
  [{ task: 't2', call: 'open', target: 't1', file: 'ns/time', mode: 'r', fd: 'f0' }, { ret: 0, handle: 'f0' }],
  [{ task: 't1', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 0 }, { ret: 0 }],
  // t1's mm belongs to the initial user namespace, where t2 has no CAP_SYS_PTRACE.
  [{ task: 't2', call: 'open', target: 't1', file: 'ns/time', mode: 'r', fd: 'f1' }, { err: 'EACCES' }],
  [{ task: 't2', call: 'open', target: 't1', file: 'timens_offsets', mode: 'w', fd: 'f2' }, { err: 'EACCES' }],
  [{ task: 't1', call: 'thread', child: 't3' }, { ret: 0, handle: 't3' }],
  [{ task: 't3', call: 'prctl', option: 'PR_GET_DUMPABLE' }, { ret: 0 }],
  [{ task: 't3', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 1 }, { ret: 0 }], // for the whole mm
  [{ task: 't2', call: 'open', target: 't1', file: 'timens_offsets', mode: 'w', fd: 'f3' }, { ret: 0, handle: 'f3' }],
  [{ task: 't1', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 0 }, { ret: 0 }],
  [{ task: 't1', call: 'exec' }, { ret: 0 }],
  [{ task: 't1', call: 'prctl', option: 'PR_GET_DUMPABLE' }, { ret: 1 }],
];
export const DUMPABLE_PROGRAM = program(DUMPABLE.map(([s]) => s));

/** gettimeofday and time in a namespace a day ahead: the wall clock, never shifted (steps 4 to 7). */
export const WALL_CLOCKS = program([
  { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f0' },
  { task: 't0', call: 'write', fd: 'f0', text: 'monotonic 86400 0\nboottime 86400 0' },
  { task: 't0', call: 'fork', child: 't1' },
  { task: 't1', call: 'gettimeofday', vdso: true },
  { task: 't1', call: 'gettimeofday', vdso: false },
  { task: 't1', call: 'time', vdso: true },
  { task: 't1', call: 'time', vdso: false },
]);

/**
 * What a read_starttime or times step must show where the value is time: a start time is
 * floor((start_boottime + the reader's boottime offset) / 10 ms), start_boottime lying in the bracket of
 * the step that made the task ('born': t0, made before the program) (fs/proc/array.c do_task_stat);
 * times() returns the host's jiffies in clock ticks within its own step's bracket, never shifted, and
 * its struct tms holds counts >= 0, the children's 0 until the process reaped one (kernel/sys.c
 * do_sys_times; signal->cutime grows only in wait_task_zombie).
 */
export type TimeRule =
  | { started: number | 'born'; shift: bigint }
  | { ticks: true; noChildren?: true };

const DAY_TICKS = 8_640_000n; // 86400 s in clock ticks

/**
 * /proc/PID/stat starttime and times(2) (steps 0-24). The advances put the three starts in different
 * ticks; t1's namespace is a day ahead on monotonic and boottime. A reader's namespace shifts the start
 * of every task it reads, whichever namespace that task is in; a thread has its own start; a non-leader
 * exec takes the leader's; a zombie still shows its own. Measured on 6.18.
 */
export const STARTTIME: [Step, Observation | TimeRule][] = [
  [{ host: 'advance', ns: '20000000' }, { ret: 0 }],
  [{ task: 't0', call: 'fork', child: 't1' }, { ret: 0, handle: 't1' }],
  [{ host: 'advance', ns: '20000000' }, { ret: 0 }],
  [{ task: 't0', call: 'thread', child: 't2' }, { ret: 0, handle: 't2' }],
  [{ task: 't0', call: 'read_starttime', target: 't0' }, { started: 'born', shift: 0n }],
  [{ task: 't0', call: 'read_starttime', target: 't1' }, { started: 1, shift: 0n }],
  [{ task: 't0', call: 'read_starttime', target: 't2' }, { started: 3, shift: 0n }],
  [{ task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] }, { ret: 0 }],
  [{ task: 't1', call: 'open', target: 't1', file: 'timens_offsets', mode: 'w', fd: 'f0' }, { ret: 0, handle: 'f0' }],
  [{ task: 't1', call: 'write', fd: 'f0', text: 'monotonic 86400 0\nboottime 86400 0' }, { ret: 34 }],
  [{ host: 'advance', ns: '20000000' }, { ret: 0 }],
  [{ task: 't1', call: 'fork', child: 't3' }, { ret: 0, handle: 't3' }],
  [{ task: 't3', call: 'read_starttime', target: 't0' }, { started: 'born', shift: DAY_TICKS }],
  [{ task: 't0', call: 'read_starttime', target: 't3' }, { started: 11, shift: 0n }],
  [{ task: 't3', call: 'read_starttime', target: 't3' }, { started: 11, shift: DAY_TICKS }],
  [{ task: 't3', call: 'times' }, { ticks: true, noChildren: true }],
  [{ task: 't3', call: 'exit_group' }, { ret: 0 }],
  [{ task: 't1', call: 'read_starttime', target: 't3' }, { started: 11, shift: 0n }], // a zombie
  [{ task: 't1', call: 'wait', child: 't3' }, { ret: 1, status: 0 }],
  [{ task: 't1', call: 'read_starttime', target: 't3' }, { err: 'ENOENT' }],
  [{ task: 't1', call: 'times' }, { ticks: true }],
  [{ task: 't2', call: 'exec' }, { ret: 0 }],
  [{ task: 't2', call: 'read_starttime', target: 't2' }, { started: 'born', shift: 0n }],
  [{ task: 't1', call: 'read_starttime', target: 't0' }, { started: 'born', shift: 0n }], // t0's pid is t2's now
  [{ task: 't2', call: 'times' }, { ticks: true, noChildren: true }],
];
export const STARTTIME_PROGRAM = program(STARTTIME.map(([s]) => s));

const TICK_NS = 10_000_000n;

/** The clocks around each step, and around t0's creation, as a side saw them. */
export interface Brackets {
  steps: { before: HostClocks; after: HostClocks }[];
  born: { before: bigint; after: bigint };
}

/** Where the observations of STARTTIME_PROGRAM break the table; empty when they keep it. */
export function startTimeFailures(obs: Observation[], b: Brackets): string[] {
  const fails: string[] = [];
  STARTTIME.forEach(([step, expected], i) => {
    const o = obs[i];
    const say = (why: string) => fails.push(`step ${i} ${JSON.stringify(step)}: ${why}: ${JSON.stringify(o)}`);
    if ('started' in expected) {
      const [lo, hi] = expected.started === 'born' ? [b.born.before, b.born.after]
        : [b.steps[expected.started].before.boottime, b.steps[expected.started].after.boottime];
      const v = o.value === undefined ? -1n : BigInt(o.value);
      if (o.ret !== 0 || v < lo / TICK_NS + expected.shift || v > hi / TICK_NS + expected.shift) say(`starttime not in [${lo / TICK_NS}, ${hi / TICK_NS}] + ${expected.shift}`);
    } else if ('ticks' in expected) {
      const t = o.tms;
      const ret = BigInt(o.ret ?? -1);
      if (ret < b.steps[i].before.clockTicks || ret > b.steps[i].after.clockTicks) say(`ticks not in [${b.steps[i].before.clockTicks}, ${b.steps[i].after.clockTicks}]`);
      if (!t || [t.utime, t.stime, t.cutime, t.cstime].some((x) => !Number.isInteger(x) || x < 0)) say('struct tms not counts >= 0');
      else if (expected.noChildren && (t.cutime !== 0 || t.cstime !== 0)) say('children\'s times before any child was reaped');
    } else if (canonicalJson(o) !== canonicalJson(expected)) say(`expected ${JSON.stringify(expected)}`);
  });
  return fails;
}

/**
 * A start before the reader's namespace's zero: that namespace's boottime offset is -at, `at` lying
 * after t0's start and before the write (made `advances` × 20 ms later), so the write is allowed (boottime
 * + offset >= 0) while t0's start + offset < 0. do_task_stat adds in u64 and prints unsigned: t1 sees
 * t0's start wrapped, (2^64 + start - at) / 10 ms (steps advances + 3, + 4 read t0's, then t1's own).
 */
export function startWrapProgram(at: bigint, advances: number): Program {
  const sec = -((at + 999_999_999n) / 1_000_000_000n);
  const nsec = sec * -1_000_000_000n - at;
  return program([
    ...Array.from({ length: advances }, (): Step => ({ host: 'advance', ns: '20000000' })),
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f0' },
    { task: 't0', call: 'write', fd: 'f0', text: `boottime ${sec} ${nsec}` },
    { task: 't0', call: 'fork', child: 't1' },
    { task: 't1', call: 'read_starttime', target: 't0' },
    { task: 't1', call: 'read_starttime', target: 't1' },
  ]);
}

/** Where a run of startWrapProgram(at, advances) breaks its rule; empty when it keeps it. */
export function startWrapFailures(obs: Observation[], at: bigint, advances: number, b: Brackets): string[] {
  const fails: string[] = [];
  const wrapped = (v: bigint) => (v + (1n << 64n) - at) / TICK_NS;
  const [write, t0, t1] = [obs[advances + 2], obs[advances + 4], obs[advances + 5]];
  if (write.ret === undefined) fails.push(`the offset write failed: ${JSON.stringify(write)}`);
  const v0 = BigInt(t0.value ?? -1), v1 = BigInt(t1.value ?? -1);
  if (v0 < wrapped(b.born.before) || v0 > wrapped(b.born.after)) fails.push(`t0's start ${v0} not in [${wrapped(b.born.before)}, ${wrapped(b.born.after)}]`);
  const made = b.steps[advances + 3];
  if (v1 < (made.before.boottime - at) / TICK_NS || v1 > (made.after.boottime - at) / TICK_NS) fails.push(`t1's own start ${v1} is not shifted back by ${at} ns`);
  return fails;
}
/** An expected observation in which "*" stands for any value of that field (a clock reading, a length
 *  that depends on how many digits the clock had). */
export type Expected = { [K in keyof Observation]?: Observation[K] | '*' } & { itimer?: { value: string; interval: string } };

/** The observation with each "*" of `expected` replaced by what it has there, when it has a value: equal
 *  to the observation exactly when the observation is one `expected` allows. */
export function filled(obs: Observation, expected: Expected): Observation {
  const out: Record<string, unknown> = { ...expected };
  const o = obs as Record<string, unknown>;
  for (const [k, v] of Object.entries(expected)) {
    if (v === '*' && o[k] !== undefined) out[k] = o[k];
    if (k === 'itimer' && typeof v === 'object' && obs.itimer) {
      const it = v as { value: string; interval: string };
      out.itimer = { value: it.value === '*' ? obs.itimer.value : it.value, interval: it.interval === '*' ? obs.itimer.interval : it.interval };
    }
  }
  return out as Observation;
}

export const HALF_RANGE_NS = '4611686018000000000'; // KTIME_SEC_MAX / 2 seconds
const ZERO = { sec: '0', nsec: 0 };
/**
 * Observed values (vocab/program.ts Observed): targets and offsets taken from a clock the program just
 * read. Expected outcomes, from the kernel sources:
 *  - an absolute target at or before the clock's present has expired when armed: timerfd_settime
 *    arms an hrtimer in the past, which fires at once (one expiration, nothing left: timerfd_get_remaining
 *    clamps to 0); an absolute clock_nanosleep returns 0 and a futex wait ETIMEDOUT at once
 *    (do_nanosleep / futex_wait_queue find the sleeper's hrtimer already expired);
 *  - a negative target or sleep is EINVAL (timespec64_valid: tv_sec < 0);
 *  - proc_timens_set_offset (kernel/time/namespace.c) accepts an offset when host now + offset lies in
 *    [0, KTIME_SEC_MAX / 2] seconds, ERANGE otherwise: an offset of minus the reading plus d puts that
 *    sum at d plus the time passed since the read (at least a nanosecond, at most a second here);
 *  - a value read from a step that failed (an invalid clock id, EINVAL) is not there: the step that
 *    needs it is not made (docs/conventions.md, "Observed values").
 */
export const OBSERVED_VALUES: [ProgramStep, Expected][] = [
  [{ task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true, label: 'now' }, { ret: 0, time: '*' }],
  [{ task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f0' }, { ret: 0, handle: 'f0' }],
  [{ task: 't0', call: 'timerfd_settime', fd: 'f0', abs: true, cancelOnSet: false, value: { from: 'now', field: 'time', delta: '0' }, interval: ZERO },
    { ret: 0, itimer: { value: '0', interval: '0' } }],
  [{ task: 't0', call: 'read', fd: 'f0' }, { ret: 8, value: '1' }],
  [{ task: 't0', call: 'timerfd_settime', fd: 'f0', abs: true, cancelOnSet: false, value: { from: 0, field: 'time', delta: '1' }, interval: ZERO },
    { ret: 0, itimer: { value: '0', interval: '0' } }],
  [{ task: 't0', call: 'timerfd_gettime', fd: 'f0' }, { ret: 0, itimer: { value: '0', interval: '0' } }],
  [{ task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: true, value: { from: 'now', field: 'time', delta: '1' } }, { ret: 0 }],
  [{ task: 't0', call: 'futex_wait', realtime: false, value: { from: 'now', field: 'time', delta: '-1' } }, { err: 'ETIMEDOUT' }],
  [{ task: 't0', call: 'timerfd_settime', fd: 'f0', abs: true, cancelOnSet: false, value: { from: 'now', field: 'time', delta: '-1', negate: true }, interval: ZERO },
    { err: 'EINVAL' }],
  // A timer's time left, as a sleep: less an hour it is negative.
  [{ task: 't0', call: 'timerfd_settime', fd: 'f0', abs: false, cancelOnSet: false, value: { sec: '3600', nsec: 0 }, interval: ZERO },
    { ret: 0, itimer: { value: '0', interval: '0' } }],
  [{ task: 't0', call: 'timerfd_gettime', fd: 'f0', label: 'left' }, { ret: 0, itimer: { value: '*', interval: '0' } }],
  [{ task: 't0', call: 'nanosleep', value: { from: 'left', field: 'itimer.value', delta: '-3600000000000' } }, { err: 'EINVAL' }],
  [{ task: 't0', call: 'nanosleep', value: { from: 'left', field: 'itimer.interval', delta: '0' } }, { ret: 0 }],
  // Offsets from the clock just read, against the range check's edges.
  [{ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] }, { ret: 0 }],
  [{ task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' }, { ret: 0, handle: 'f1' }],
  [{ task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: false, label: 'host' }, { ret: 0, time: '*' }],
  [{ task: 't0', call: 'write', fd: 'f1', text: ['monotonic ', { from: 'host', field: 'time', negate: true, delta: '-1000000000' }, '\n'] }, { err: 'ERANGE' }],
  [{ task: 't0', call: 'write', fd: 'f1', text: ['monotonic ', { from: 'host', field: 'time', negate: true, delta: '-1' }, '\n'] }, { ret: '*' }],
  [{ task: 't0', call: 'write', fd: 'f1', text: ['1 ', { from: 'host', field: 'time', negate: true, delta: `${HALF_RANGE_NS.slice(0, -9)}999999999` }] }, { err: 'ERANGE' }],
  [{ task: 't0', call: 'write', fd: 'f1', text: ['monotonic ', { from: 'host', field: 'time', negate: true, delta: HALF_RANGE_NS }, '\nboottime 0 0'] }, { ret: '*' }],
  [{ task: 't0', call: 'fork', child: 't1' }, { ret: 0, handle: 't1' }],
  [{ task: 't1', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true, label: 'far' }, { ret: 0, time: '*' }],
  [{ task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: true, value: { from: 'far', field: 'time', delta: '0' } }, { ret: 0 }],
  // A value from a read that failed: the step that needs it is not made.
  [{ task: 't1', call: 'clock_gettime', clock: 10, vdso: false }, { err: 'EINVAL' }],
  [{ task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: true, value: { from: 23, field: 'time', delta: '0' } }, { unresolved: true }],
  [{ task: 't0', call: 'timerfd_settime', fd: 'f0', abs: true, cancelOnSet: false, value: { from: 23, field: 'time', delta: '1' }, interval: ZERO },
    { unresolved: true }],
  [{ task: 't0', call: 'timerfd_gettime', fd: 'f0' }, { ret: 0, itimer: { value: '*', interval: '0' } }],
];
export const OBSERVED_VALUES_PROGRAM = program(OBSERVED_VALUES.map(([s]) => s));
/** Indices in OBSERVED_VALUES: the clock read the offsets are taken from, and the namespace's clock
 *  read after the last accepted write (minus the reading plus KTIME_SEC_MAX / 2 seconds). */
export const OBSERVED_HOST_READ = 15;
export const OBSERVED_FAR_READ = 21;

export const REFERENCE_PROGRAMS: Record<string, Program> = {
  UNSHARE_SEQUENCE, CLONE3_NEWTIME, EXEC_VFORK, OFFSETS_PROGRAM, UPTIME, IOCTLS, UNPRIVILEGED,
  CLONE_EXIT_WAIT: CLONE_EXIT_WAIT_PROGRAM, CLONE_NEWTIME_BIT, OFFSETS_POSITION: OFFSETS_POSITION_PROGRAM, WALL_CLOCKS,
  DUMPABLE: DUMPABLE_PROGRAM, STARTTIME: STARTTIME_PROGRAM,
  OBSERVED_VALUES: OBSERVED_VALUES_PROGRAM,
};

/** setns through a pidfd whose target is a zombie the caller may not ptrace. kernel/nsproxy.c
 *  validate_nsset: no task → ESRCH; ptrace_may_access fails → EPERM; only then no nsproxy → ESRCH. */
export const SETNS_PIDFD_ZOMBIE = program([
  { task: 't0', call: 'fork', child: 't1' },
  { task: 't1', call: 'pidfd_open', target: 't1', fd: 'f1' },
  { task: 't1', call: 'setuid', uid: 1000 },
  { task: 't1', call: 'fork', child: 't2' },
  { task: 't1', call: 'exit' },
  { task: 't2', call: 'setuid', uid: 65534 },
  { task: 't2', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'pidfd_open', target: 't1', fd: 'f2' },
  { task: 't0', call: 'setns', fd: 'f2', nstype: ['CLONE_NEWTIME'] },
]);
