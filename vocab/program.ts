// The program format: plain JSON data, so a failing program can be stored, shrunk, read and replayed.
//
// Handles. Tasks are named "t<N>", file descriptors "f<N>". The step that creates a task or an fd names
// the handle it binds, so deleting any other step never changes what a later step refers to. A handle
// that names nothing live yields the errno Linux gives for a dead pid or a closed fd (ESRCH, ENOENT,
// EBADF). "t0" is the initial task. Binding a handle that is already bound rebinds it: the object it
// named lives on, out of the program's reach.
//
// Paths. A step that names a task as the target of a path (/proc/PID/...) uses that handle's pid: the
// pid of its task, or the last pid it had. After a non-leader thread execs it takes over the leader's
// pid, so the old leader's handle then resolves to the exec'ing thread, as /proc/TGID does in Linux.
//
// Observed values. A timespec `value` (timers, timerfds, sleeps, futex waits) or a part of a write's
// text may be an `Observed`: a value taken from an earlier step's observation as the program runs, plus
// a delta (vocab/observed.ts, docs/conventions.md "Observed values").
import type { CapName, ClockRef, CloneFlagName, NsIoctl, ProcFile, WaitOptionName } from './constants.ts';

export const PROGRAM_FORMAT = 1;
/** Kernel behaviours a program may assume: the long-term kernels 6.1 and 6.12 as Debian ships them
 *  (6.1.192, 6.12.117), and "current", this machine's 6.18. What differs between them is listed, change by
 *  change, in model/profile.ts and impl/features.ts, each measured on the booted kernels. */
export const KERNEL_BEHAVIOURS = ['6.1', '6.12', 'current'] as const;
export type KernelBehaviour = (typeof KERNEL_BEHAVIOURS)[number];

export type TaskHandle = string; // /^t\d+$/
export type FdHandle = string; // /^f\d+$/
/** A POSIX timer: /^k\d+$/. Timer ids belong to a process, so only its tasks can name it. */
export type TimerHandle = string;
/** Nanoseconds as a decimal string (JSON has no 64-bit integers). */
export type Nanos = string;
/** A struct timespec as a program passes it, so that invalid ones (nsec out of range) can be said. */
export interface Timespec { sec: Nanos; nsec: number }

export interface ProgramEnv {
  /** seedrandom seed of the host's starting clocks (boot time, uptime, realtime, idle time). */
  seed: string;
  /** Capabilities of the initial task (effective = permitted = bounding). Default: all. */
  caps?: CapName[] | 'full';
  /** Whether the machine has an RTC (decides the ALARM clocks). Default: true. */
  rtc?: boolean;
  /** max_time_namespaces of the initial user namespace. Default: 96365. */
  maxTimeNamespaces?: number;
  /** Where t0 starts. "root" (default): uid 0 in the initial namespaces. "user-namespace": uid and gid
   *  65534 in a user namespace it made and mapped to 0, with every capability there and none outside,
   *  as the kernel executor runs when it is not root (Environment.userNamespace). */
  start?: 'root' | 'user-namespace';
}

export interface Program {
  format: typeof PROGRAM_FORMAT;
  kernel: KernelBehaviour;
  env: ProgramEnv;
  steps: ProgramStep[];
}

/** The fields of an observation an Observed can read, each in nanoseconds. */
export const OBSERVED_FIELDS = ['time', 'itimer.value', 'itimer.interval'] as const;
export type ObservedField = (typeof OBSERVED_FIELDS)[number];

/**
 * A value read from an earlier step's observation when the program runs: `field` of the observation of
 * step `from` (its index in `steps`, or the label it carries), negated if `negate`, plus `delta`
 * nanoseconds. As a timespec it is { sec: floor(v / 1e9), nsec: v mod 1e9 }; in a text, "sec nsec" of
 * that timespec (what a timens_offsets record takes). Where that observation has no such field (the step
 * failed, was blocked, or was itself not made), the step that uses it is not made and observes
 * { unresolved: true }.
 */
export interface Observed {
  from: number | string;
  field: ObservedField;
  /** Nanoseconds, a decimal string that may be negative. */
  delta: Nanos;
  negate?: boolean;
}
/** A write's text: a string, or parts joined, each a string or an observed value written "sec nsec". */
export type TextPart = string | Observed;

// ---- Host events: inputs to both sides, never made by a task -------------------------------------

export type HostEvent =
  /** Time passes: every clock moves by ns. */
  | { host: 'advance'; ns: Nanos }
  /** The machine sleeps for ns: BOOTTIME and REALTIME move, MONOTONIC and MONOTONIC_RAW do not. */
  | { host: 'suspend'; ns: Nanos }
  /** The administrator sets the host's realtime clock to `realtime` (simulated runs only). */
  | { host: 'settime'; realtime: Nanos }
  /** A signal reaches a task: with handler, SIGUSR1 with a handler installed without SA_RESTART (a
   *  blocked call ends with EINTR); without, SIGSTOP then SIGCONT (a blocked call restarts by itself). */
  | { host: 'signal'; task: TaskHandle; handler: boolean };

// ---- Syscalls made by one task -------------------------------------------------------------------

export type TaskStep = (
  // Tasks and processes.
  /** fork(): a new process with a copy of the caller's fd table and a new mm. */
  | { task: TaskHandle; call: 'fork'; child: TaskHandle }
  /** vfork(): the child shares the mm; the caller is blocked until the child execs or exits. */
  | { task: TaskHandle; call: 'vfork'; child: TaskHandle }
  /** pthread_create(): CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD. */
  | { task: TaskHandle; call: 'thread'; child: TaskHandle }
  /** clone3() with exactly these flags (CLONE_THREAD adds CLONE_SIGHAND|CLONE_FILES|CLONE_FS). */
  | { task: TaskHandle; call: 'clone3'; child: TaskHandle; flags: CloneFlagName[] }
  /** The legacy clone(2): flags | exitSignal in one word (CLONE_THREAD adds CLONE_SIGHAND|CLONE_FILES|CLONE_FS).
   *  The low byte (CSIGNAL) is the signal the parent gets when the child's process ends, so CLONE_NEWTIME
   *  (0x80, inside CSIGNAL) cannot be asked for this way: exitSignal 0x80 | 17 is the signal 145. A child
   *  whose exit signal is not SIGCHLD (17) is a "clone child": only __WCLONE or __WALL waits for it, until
   *  it execs (exec makes every exit signal SIGCHLD). exitSignal is one that changes nothing the model
   *  describes when sent: 0 (none), 17 (SIGCHLD), 23 (SIGURG), 28 (SIGWINCH) (ignored by default), or
   *  65..255 (not a signal: never sent). */
  | { task: TaskHandle; call: 'clone'; child: TaskHandle; flags: CloneFlagName[]; exitSignal: number }
  /** execve() of the harness itself; fail: the path does not exist (ENOENT, nothing changes). */
  | { task: TaskHandle; call: 'exec'; fail?: boolean }
  /** The calling thread exits (SYS_exit(code), default 0). The process ends with its last thread; a
   *  wait reports the leader's own code, unless the group exited. */
  | { task: TaskHandle; call: 'exit'; code?: number }
  /** The whole thread group exits (SYS_exit_group(code), default 0): a wait reports this code. */
  | { task: TaskHandle; call: 'exit_group'; code?: number }
  /** wait4(child, &status, WNOHANG | options, NULL), or with syscall "waitid"
   *  waitid(P_PID, child, &info, WEXITED | WNOHANG | options): ret 1 and the wait status
   *  (`status`, as wait4 stores it: the exit code << 8) when reaped, 0 while it runs, ECHILD if it is not
   *  a child the options wait for. Defaults: syscall "wait4", options ["__WALL"]. */
  | { task: TaskHandle; call: 'wait'; child: TaskHandle; syscall?: 'wait4' | 'waitid'; options?: WaitOptionName[] }
  // Namespaces.
  | { task: TaskHandle; call: 'unshare'; flags: CloneFlagName[] }
  /** setns(fd, nstype); nstype [] is 0. fd may be an nsfs fd or a pidfd. */
  | { task: TaskHandle; call: 'setns'; fd: FdHandle; nstype: CloneFlagName[] }
  /** open("/proc/PID/<file>") of target; ns files only with mode "r". */
  | { task: TaskHandle; call: 'open'; target: TaskHandle; file: ProcFile; mode: 'r' | 'w' | 'rw'; fd: FdHandle }
  | { task: TaskHandle; call: 'pidfd_open'; target: TaskHandle; fd: FdHandle }
  | { task: TaskHandle; call: 'close'; fd: FdHandle }
  /** pread(fd, buf, count, pos), count 4096 and pos 0 unless given; with pos "current", read(fd, buf,
   *  count) at the file position, which it moves. On a timerfd read(fd, buf, 8), which blocks unless
   *  TFD_NONBLOCK (count and pos are refused on a timerfd's handle). */
  | { task: TaskHandle; call: 'read'; fd: FdHandle; count?: number; pos?: number | 'current' }
  /** write(fd, text) at the file position, or pwrite(fd, text, pos) when pos is given: a
   *  timens_offsets file takes a write only at file position 0. */
  | { task: TaskHandle; call: 'write'; fd: FdHandle; text: string; pos?: number }
  /** lseek(fd, offset, whence): the new file position. */
  | { task: TaskHandle; call: 'lseek'; fd: FdHandle; offset: number; whence: 'SEEK_SET' | 'SEEK_CUR' | 'SEEK_END' }
  /** ioctl(fd, request); NS_GET_USERNS and NS_GET_PARENT bind the new fd to result. */
  | { task: TaskHandle; call: 'ioctl'; fd: FdHandle; request: NsIoctl; result?: FdHandle }
  /** readlink("/proc/PID/ns/<link>") of target. */
  | { task: TaskHandle; call: 'readlink'; target: TaskHandle; link: 'time' | 'time_for_children' }
  // Clocks.
  | { task: TaskHandle; call: 'clock_gettime'; clock: ClockRef; vdso: boolean }
  | { task: TaskHandle; call: 'clock_getres'; clock: ClockRef; vdso: boolean }
  /** gettimeofday(&tv, NULL), through the vDSO or the syscall: the wall clock to the microsecond. A time
   *  namespace never shifts it. Observed as { ret: 0, time: tv_sec * 1e9 + tv_usec * 1000 }. */
  | { task: TaskHandle; call: 'gettimeofday'; vdso: boolean }
  /** time(NULL), through the vDSO or the syscall: the seconds of the wall clock as of the last tick
   *  (xtime_sec, what CLOCK_REALTIME_COARSE shows), never shifted. Observed as { ret: 0, time: sec * 1e9 }. */
  | { task: TaskHandle; call: 'time'; vdso: boolean }
  /** clock_settime(clock, {sec, nsec}). A successful set of CLOCK_REALTIME is applied to the
   *  simulated host by the harness; the kernel backend never lets one reach the kernel. */
  | { task: TaskHandle; call: 'clock_settime'; clock: ClockRef; sec: Nanos; nsec: number }
  // Shifted procfs and sysinfo values.
  /** read("/proc/uptime"). */
  | { task: TaskHandle; call: 'read_uptime' }
  /** sysinfo(): the uptime field. */
  | { task: TaskHandle; call: 'sysinfo' }
  /** The btime line of /proc/stat. */
  | { task: TaskHandle; call: 'read_btime' }
  /** Field 22 (starttime) of /proc/PID/stat of target: when that task was made, in clock ticks (USER_HZ
   *  100) of host boottime shifted by the READER's boottime offset (a thread's own start; after a
   *  non-leader exec, the old leader's). Observed as { ret: 0, value: ticks }, printed unsigned: a start
   *  before the reader's namespace's zero wraps to 2^64 less. */
  | { task: TaskHandle; call: 'read_starttime'; target: TaskHandle }
  /** times(&tms): ret is the host's jiffies in clock ticks (never shifted); tms the CPU times of the
   *  caller's process and of the children it reaped, in clock ticks. Observed as
   *  { ret: ticks, tms: { utime, stime, cutime, cstime } }. */
  | { task: TaskHandle; call: 'times' }
  // Credentials.
  /** setresgid(g,g,g) then setresuid(u,u,u) with the same number, as seen in the caller's user ns. */
  | { task: TaskHandle; call: 'setuid'; uid: number }
  /** capset(): remove these from the effective and permitted sets (never fails). */
  | { task: TaskHandle; call: 'drop_caps'; caps: CapName[] }
  /** prctl(PR_SET_DUMPABLE, arg) (0 or 1, anything else EINVAL) or prctl(PR_GET_DUMPABLE) (ret 0 or 1:
   *  the harness assumes fs.suid_dumpable = 0, so a credential change leaves 0). Dumpability is the
   *  mm's: it decides who owns and may open the task's /proc files and who passes ptrace access checks. */
  | { task: TaskHandle; call: 'prctl'; option: 'PR_SET_DUMPABLE'; arg: number }
  | { task: TaskHandle; call: 'prctl'; option: 'PR_GET_DUMPABLE' }
  /** What `unshare -r` writes for its own user namespace: "deny" to /proc/self/setgroups, then
   *  "0 K 1" to uid_map and gid_map, K being the caller's euid/egid seen from the parent user ns. */
  | { task: TaskHandle; call: 'map_root' }
  /** /proc/sys/user/max_time_namespaces of the caller's user namespace. */
  | { task: TaskHandle; call: 'sysctl_read' }
  | { task: TaskHandle; call: 'sysctl_write'; value: number }
  // Timers and sleeps. A call that blocks observes { pending: true }; its outcome arrives later, in the
  // `completions` of the step during which it finished (docs/conventions.md, "Blocking").
  /** timer_create(clock, {SIGEV_NONE | SIGEV_SIGNAL with SIGRTMIN, si_value = the handle}). */
  | { task: TaskHandle; call: 'timer_create'; clock: ClockRef; notify: 'none' | 'signal'; timer: TimerHandle }
  /** timer_settime(timer, abs ? TIMER_ABSTIME : 0, {interval, value}, &old). */
  | { task: TaskHandle; call: 'timer_settime'; timer: TimerHandle; abs: boolean; value: Timespec; interval: Timespec }
  | { task: TaskHandle; call: 'timer_gettime'; timer: TimerHandle }
  | { task: TaskHandle; call: 'timer_getoverrun'; timer: TimerHandle }
  | { task: TaskHandle; call: 'timer_delete'; timer: TimerHandle }
  /** sigtimedwait({SIGRTMIN}, zero timeout): take one queued timer signal (SIGRTMIN is blocked in every
   *  task, so timer signals wait for this), EAGAIN when none is queued. */
  | { task: TaskHandle; call: 'sigwait' }
  /** timerfd_create(clock, nonblock ? TFD_NONBLOCK : 0). Read it with `read` (read(2), 8 bytes). */
  | { task: TaskHandle; call: 'timerfd_create'; clock: ClockRef; nonblock: boolean; fd: FdHandle }
  /** timerfd_settime(fd, flags, {interval, value}, &old). */
  | { task: TaskHandle; call: 'timerfd_settime'; fd: FdHandle; abs: boolean; cancelOnSet: boolean; value: Timespec; interval: Timespec }
  | { task: TaskHandle; call: 'timerfd_gettime'; fd: FdHandle }
  /** clock_nanosleep(clock, abs ? TIMER_ABSTIME : 0, value, &remaining). */
  | { task: TaskHandle; call: 'clock_nanosleep'; clock: ClockRef; abs: boolean; value: Timespec }
  /** nanosleep(value, &remaining): a relative CLOCK_MONOTONIC sleep. */
  | { task: TaskHandle; call: 'nanosleep'; value: Timespec }
  /** futex(word, FUTEX_WAIT_BITSET|FUTEX_PRIVATE_FLAG [|FUTEX_CLOCK_REALTIME], value, &abs, NULL, ~0) on a
   *  private word that holds `value` and that nobody wakes: it ends with ETIMEDOUT, EINTR, or EAGAIN never. */
  | { task: TaskHandle; call: 'futex_wait'; realtime: boolean; value: Timespec }
) & {
  /** A name later steps may use to refer to this one's observation (Observed.from). */
  label?: string;
};

export type TaskCall = TaskStep['call'];
/** A step as a side is given it: every value known. */
export type Step = HostEvent | TaskStep;

/** A task step as a program holds it: a timespec value or a write's text may be observed. */
export type ProgramTaskStep = TaskStep extends infer S ? S extends { call: 'write'; text: string } ? Omit<S, 'text'> & { text: string | TextPart[] }
  : S extends { value: Timespec } ? Omit<S, 'value'> & { value: Timespec | Observed } : S : never;
/** A step as a program holds it. */
export type ProgramStep = HostEvent | ProgramTaskStep;

export const TASK_CALLS: readonly TaskCall[] = [
  'fork', 'vfork', 'thread', 'clone3', 'clone', 'exec', 'exit', 'exit_group', 'wait',
  'unshare', 'setns', 'open', 'pidfd_open', 'close', 'read', 'write', 'lseek', 'ioctl', 'readlink',
  'clock_gettime', 'clock_getres', 'clock_settime', 'gettimeofday', 'time',
  'read_uptime', 'sysinfo', 'read_btime',
  'read_starttime', 'times',
  'setuid', 'drop_caps', 'prctl', 'map_root', 'sysctl_read', 'sysctl_write',
  'timer_create', 'timer_settime', 'timer_gettime', 'timer_getoverrun', 'timer_delete', 'sigwait',
  'timerfd_create', 'timerfd_settime', 'timerfd_gettime', 'clock_nanosleep', 'nanosleep', 'futex_wait',
];
export const HOST_EVENTS = ['advance', 'suspend', 'settime', 'signal'] as const;

export function isHostEvent<S extends ProgramStep>(step: S): step is Extract<S, HostEvent> {
  return 'host' in step;
}
