// What a side sees and shows: the observation of one step, the host clocks it is given, and the
// abstraction of its state that the refinement property compares after every step.
import { CAP_NAMES, type CapName, type Errno } from './constants.ts';
import type { FdHandle, KernelBehaviour, Nanos, Step, TaskCall, TaskHandle, TimerHandle } from './program.ts';

/**
 * The outcome of one step. Exactly one of `ret`, `err`, `blocked`, `pending`, `unresolved` is present.
 *   fork, vfork, thread, clone3      { ret: 0, handle: child }
 *   open, pidfd_open                 { ret: 0, handle: fd }
 *   ioctl NS_GET_NSTYPE              { ret: 128 | 268435456 }
 *   ioctl NS_GET_USERNS, NS_GET_PARENT  { ret: 0, handle: result }
 *   ioctl NS_GET_OWNER_UID           { ret: 0, uid }
 *   read, read_uptime                { ret: bytes, text }
 *   write                            { ret: bytes }
 *   lseek                            { ret: the new file position }
 *   readlink                         { ret: bytes, link }
 *   clock_gettime, clock_getres      { ret: 0, time }
 *   gettimeofday, time               { ret: 0, time: the value in nanoseconds (microseconds, seconds) }
 *   sysinfo                          { ret: 0, value: uptime seconds }
 *   read_btime                       { ret: 0, value: btime seconds }
 *   read_starttime                   { ret: 0, value: starttime clock ticks }
 *   times                            { ret: elapsed clock ticks, tms: CPU clock ticks }
 *   sysctl_read                      { ret: 0, value }
 *   prctl PR_GET_DUMPABLE            { ret: 0 | 1 }
 *   wait                             { ret: 1, status } reaped, { ret: 0 } still running
 *   timer_create, timerfd_create     { ret: 0, handle }
 *   timer_settime, timerfd_settime   { ret: 0, itimer: the old setting }
 *   timer_gettime, timerfd_gettime   { ret: 0, itimer }
 *   timer_getoverrun                 { ret: overrun }
 *   sigwait                          { ret: 34 (SIGRTMIN), handle: the timer, overrun: si_overrun }
 *   read of a timerfd                { ret: 8, value: expirations }
 *   a call that blocks               { pending: true }; later, in some step's completions:
 *                                    clock_nanosleep, nanosleep { ret: 0 } or { err: "EINTR", time: remaining }
 *                                    (remaining only for relative sleeps); futex_wait { err: "ETIMEDOUT" }
 *                                    or { err: "EINTR" }; read of a timerfd { ret: 8, value } or ECANCELED
 *   everything else, host events     { ret: 0 }
 * A step whose observed value (program.ts Observed) cannot be read is not made: { unresolved: true }.
 * A step by a task that has exited or never existed gives { err: "ESRCH" }; a step by a task that
 * is blocked (a vfork parent until its child execs or exits, a task in a blocking call) gives
 * { blocked: true } and does nothing.
 * Any step may also carry `completions`: the blocking calls that finished while it ran (time passing
 * before it, timers it armed, signals it sent, the clock it set), in the order they finished.
 */
export interface Observation {
  ret?: number;
  err?: Errno;
  blocked?: true;
  /** The call blocked; its outcome comes in a later step's completions. */
  pending?: true;
  /** The step was not made: an observed value it uses was not there (vocab/observed.ts). */
  unresolved?: true;
  handle?: TaskHandle | FdHandle | TimerHandle;
  /** A clock value or resolution in nanoseconds (a timespec sec * 1e9 + nsec). */
  time?: Nanos;
  text?: string;
  link?: string;
  uid?: number;
  value?: string;
  /** A timer setting: time left until the next expiry (0 when disarmed) and the interval. */
  itimer?: { value: Nanos; interval: Nanos };
  overrun?: number;
  /** wait: the reaped child's wait status as wait4 stores it (exit code << 8). */
  status?: number;
  /** times: struct tms, in clock ticks. */
  tms?: { utime: number; stime: number; cutime: number; cstime: number };
  completions?: Completion[];
}

/** A blocking call that finished: which task made it, and what it returned. */
export interface Completion {
  task: TaskHandle;
  call: TaskCall;
  ret?: number;
  err?: Errno;
  time?: Nanos;
  value?: string;
}

/**
 * The host's clocks at the instant a step runs, in nanoseconds. The harness owns them and moves them;
 * neither side ever reads the machine's clock.
 */
export interface HostClocks {
  realtime: bigint;
  monotonic: bigint;
  monotonicRaw: bigint;
  boottime: bigint;
  tai: bigint;
  realtimeCoarse: bigint;
  monotonicCoarse: bigint;
  /** CPU time of the calling thread and of its process (one number: the harness does not split it). */
  cputime: bigint;
  /** Summed idle time of all CPUs, the second field of /proc/uptime. */
  idle: bigint;
  /** Wall-clock time of boot (realtime - boottime), the source of /proc/stat btime. */
  bootRealtime: bigint;
  /** jiffies_64 in clock ticks (USER_HZ), what times() returns: it counts from INITIAL_JIFFIES, a few
   *  minutes short of 2^32 jiffies, at boot and moves with the tick, as monotonic does. */
  clockTicks: bigint;
}

/** The environment a side starts from, resolved from a program's env (or reported by the kernel). */
export interface Environment {
  /** The initial task's effective, permitted and bounding sets. */
  caps: CapName[];
  /** The initial task's uid, euid and suid as a kuid (its uid in the initial user namespace). */
  uid: number;
  /**
   * Absent: the initial task runs in the initial user namespace, with gid 0. Present: it starts in a
   * user namespace one level below the initial one, which its creator (kuid `uid`, kgid `gid`, the
   * harness's executor when it is not root) made with unshare(CLONE_NEWUSER) and mapped to 0: setgroups
   * "deny", uid_map "0 <uid> 1", gid_map "0 <gid> 1". That namespace is the first of the dynamic inode
   * pool (4026531840) and lives as long as the program; `caps` are the initial task's sets in it.
   */
  userNamespace?: {
    /** kgid of the creator, and of every task of the program (gids never change). */
    gid: number;
    /** Whether the creator's effective set held CAP_SETFCAP (the namespace's parent_could_setfcap). */
    parentCouldSetfcap: boolean;
  };
  rtc: boolean;
  maxTimeNamespaces: number;
  /** Resolution of the coarse clocks (TICK_NSEC). */
  tickNs: bigint;
  /** The kernel behaviour to follow (Program.kernel). Absent: "current". */
  kernel?: KernelBehaviour;
  /** Host boottime (ns) at which t0 was made, its /proc/PID/stat starttime. Absent: 0. */
  startBoottime?: bigint;
}

// ---- The abstract state: what both sides must agree on after every step ---------------------------
// Namespaces are keyed by inode number (decimal string). Only live objects appear: a namespace that
// nothing references, and a task that has been reaped, are absent. Lists are sorted.

export interface AbstractTask {
  /** running; blocked (vfork parent); exited (thread exited or zombie, not yet reaped). */
  state: 'running' | 'blocked' | 'exited';
  /** Handle of the thread-group leader (the task whose pid is the tgid). */
  leader: TaskHandle;
  /** Handle of the parent process's leader; null when the parent is the harness's reaper. */
  parent: TaskHandle | null;
  /** The smallest handle (by number) of the running or blocked tasks sharing this task's mm; null once exited. */
  vm: TaskHandle | null;
  /** Inode numbers of time and time_for_children; null once exited. */
  timeNs: number | null;
  timeNsForChildren: number | null;
  userNs: number;
  /** Kernel uid (as seen from the initial user namespace) of euid. */
  euid: number;
  caps: CapName[];
  /** The blocking call the task is in: which, on which clock, and its expiry in host time of that
   *  clock's base (null when it has none: a timerfd read, a sleep on a CPU-time clock). */
  waiting?: { call: TaskCall; clock: number; expires: Nanos | null };
}

/**
 * A POSIX timer (keyed by its handle) or a timerfd (keyed by the fd handle that created it). `expires`
 * is the armed expiry in host time of the clock's base (monotonic, boottime, realtime or tai; relative
 * CLOCK_REALTIME timers run on monotonic, as hrtimers do), null when disarmed or waiting to be re-armed.
 */
export interface AbstractTimer {
  kind: 'posix' | 'timerfd';
  /** The owning process's leader (POSIX timers); null for a timerfd. */
  owner: TaskHandle | null;
  clock: number;
  expires: Nanos | null;
  interval: Nanos;
  /** POSIX: notification, whether a signal of its current setting is queued (one left from an earlier
   *  setting is stale: sigwait drops it), and the overrun of the last delivered signal. */
  notify?: 'none' | 'signal';
  signalQueued?: boolean;
  overrun?: number;
  /** timerfd: expirations not yet read, TFD_TIMER_CANCEL_ON_SET armed, canceled by a clock set. */
  ticks?: Nanos;
  cancelOnSet?: boolean;
  canceled?: boolean;
}

export type AbstractFd =
  | { kind: 'nsfs'; ns: number }
  | { kind: 'timerfd'; timer: FdHandle }
  | { kind: 'offsets'; target: TaskHandle; mode: 'r' | 'w' | 'rw' }
  | { kind: 'pidfd'; target: TaskHandle };

export interface AbstractProcess {
  fds: Record<FdHandle, AbstractFd>;
  dumpable: boolean;
}

export interface AbstractTimeNs {
  owner: number;
  monotonic: Nanos;
  boottime: Nanos;
  frozen: boolean;
}

export interface AbstractUserNs {
  parent: number | null;
  /** kuid of the creator. */
  owner: number;
  /** uid_map and gid_map written (map_root). */
  mapped: boolean;
  maxTimeNamespaces: number;
  /** UCOUNT_TIME_NAMESPACES charged at this level, by kuid; zero counts are left out. */
  timeNamespaces: Record<string, number>;
}

export interface AbstractState {
  tasks: Record<TaskHandle, AbstractTask>;
  /** Live timers: POSIX timers until deleted or their process ends, timerfds while an fd holds them. */
  timers: Record<TimerHandle | FdHandle, AbstractTimer>;
  /** Keyed by the leader's handle; only processes with a live fd table. */
  processes: Record<TaskHandle, AbstractProcess>;
  timeNamespaces: Record<string, AbstractTimeNs>;
  userNamespaces: Record<string, AbstractUserNs>;
}

/** A leaf of the abstract state as written: a Nanos field may be written as a bigint (it reads as its digits). */
export type AbstractScalar = string | number | boolean | bigint | null;

/**
 * Receives an abstract state piece by piece, in canonical order, so two sides can be compared without
 * building it: the maps in the order of AbstractState's fields (tasks, timers, processes,
 * timeNamespaces, userNamespaces), their entries by ascending handle number (tasks, processes, fds;
 * timers too, timerfds "f..." before POSIX timers "k...") or by ascending number (namespaces, ucount
 * kuids), each record's fields in the order of its interface above; an absent optional field is not
 * written. Writing the same state in another order only costs speed: the comparison then falls back to
 * the built objects. A key given as a number (an inode number, a kuid) is the same key as its decimal
 * digits; writing it as a number saves the conversion, as a bigint value saves its digits.
 */
export interface AbstractWriter {
  /** Enter a map or record under `key`. */
  open(key: string | number): void;
  close(): void;
  put(key: string | number, value: AbstractScalar): void;
  /** A capability set (AbstractTask.caps) as a mask: bit i set for CAP_NAMES[i] (capsOfMask reads it). */
  caps(key: string, mask: number): void;
}

/** The sorted capability names of a capability mask as AbstractWriter.caps has it (bit i: CAP_NAMES[i];
 *  the vocabulary names fewer than 31, so a mask is a small integer). */
export function capsOfMask(mask: number): CapName[] {
  const out: CapName[] = [];
  for (let i = 0; i < CAP_NAMES.length; i++) if (mask & (1 << i)) out.push(CAP_NAMES[i]);
  return out.sort();
}

/** One side of a differential run. Both model/ and impl/ export a factory of this shape. */
export interface Backend {
  /** Make one step with the host clocks at that instant; return what the program observes. */
  step(step: Step, host: HostClocks): Observation;
  /** The current state in the shared vocabulary. */
  abstract(): AbstractState;
  /** The same state, written to `w` without being built; abstract() is what this writes. Optional:
   *  a side without it is compared through abstract(). */
  writeAbstract?(w: AbstractWriter): void;
}
/**
 * Where Linux leaves to chance an outcome a program can see, a side asks here; given nothing (or no
 * answer), it takes the first candidate. The set of outcomes allowed is every answer (docs/conventions.md).
 */
export interface Choices {
  /** A timerfd's expirations (or cancel) with several readers blocked on it: all of them wake and the
   *  first one the scheduler runs takes everything (fs/timerfd.c). Given the readers in the order they
   *  began to wait, the one that takes it. */
  timerfdReader?(readers: TaskHandle[]): TaskHandle;
}
export type BackendFactory = (env: Environment, choices?: Choices) => Backend;
