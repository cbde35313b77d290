// The model's state: plain records for user namespaces, time namespaces, credentials, mms, processes
// and tasks, declared once, and the state a program starts in (docs/conventions.md, "The world a
// program starts in"). Objects refer to each other directly; nothing is cached or counted: who
// references what is always found by scanning (see lifetime.ts).
import type { Choices, Completion } from '../vocab/index.ts';
import type { SeqState } from './seqfile.ts';
import {
  INT_MAX, PROC_DYNAMIC_FIRST, PROC_TIME_INIT_INO, PROC_USER_INIT_INO, SIGCHLD,
  type CapName, type Environment, type FdHandle, type HostClocks, type TaskCall, type TaskHandle, type TimerHandle,
} from '../vocab/index.ts';

/** A (sec, nsec) pair with 0 <= nsec < 1e9, as struct timespec64. */
export interface Timespec { sec: bigint; nsec: bigint }

export interface UserNs {
  inum: number;                       // nsfs inode number
  parent: UserNs | null;              // null only for init_user_ns
  level: number;                      // nesting depth, 0 for init_user_ns
  owner: number;                      // kuid of the creator's euid
  uidMap: number | null;              // kuid that uid 0 maps to (map_root); unused for init_user_ns
  gidMapped: boolean;                 // gid_map "0 K 1" written, K naming the tasks' kgid; unused for init_user_ns
  setgroupsAllowed: boolean;          // USERNS_SETGROUPS_ALLOWED
  parentCouldSetfcap: boolean;        // parent_could_setfcap: the creator's effective set held CAP_SETFCAP
  maxTimeNamespaces: number;          // ucount_max[UCOUNT_TIME_NAMESPACES]
  timeNamespaces: Record<string, number>; // ucount[UCOUNT_TIME_NAMESPACES] charged here, by kuid
}

/** One level of an inc_ucount() charge: the user namespace and the kuid it was counted under. */
export interface UcountCharge { ns: UserNs; kuid: number }

export interface TimeNs {
  inum: number;                       // nsfs inode number
  owner: UserNs;                      // user_ns: every capability check on this namespace is made here
  monotonic: Timespec;                // offsets.monotonic
  boottime: Timespec;                 // offsets.boottime
  frozen: boolean;                    // frozen_offsets
  charges: UcountCharge[];            // released when the namespace is freed
}

export interface Creds {
  uid: number;                        // kuid; every task's gid is one kgid, s.gid (docs/conventions.md)
  euid: number;                       // kuid, also fsuid
  suid: number;                       // kuid
  userNs: UserNs;                     // cred->user_ns
  effective: CapName[];               // cap_effective
  permitted: CapName[];               // cap_permitted
  bounding: CapName[];                // cap_bset
}

export interface Mm {
  id: number;                         // identity only
  dumpable: boolean;                  // get_dumpable(mm) == SUID_DUMP_USER
  userNs: UserNs;                     // mm->user_ns: the creds' user ns at exec, copied by fork
}

/** An open file description; fd tables that share it (after fork) hold the same record. */
export type File =
  | { kind: 'timens'; ns: TimeNs }
  | { kind: 'userns'; ns: UserNs }
  | { kind: 'offsets'; target: TaskHandle; pid: number; mode: 'r' | 'w' | 'rw'; opener: Creds; seq: SeqState }
  | { kind: 'pidfd'; target: TaskHandle; pid: number }
  | { kind: 'timerfd'; ctx: TimerFd; nonblock: boolean };

/** The host clock an armed timer or sleep runs on (hrtimer clock bases); null for CPU-time clocks. */
export type Base = 'monotonic' | 'boottime' | 'realtime' | 'tai' | null;

/** A POSIX timer (struct k_itimer with its hrtimer). */
export interface PosixTimer {
  kind: 'posix';
  handle: TimerHandle;
  tgid: number;                       // the owning process (it_signal)
  clock: number;                      // it_clock
  notify: 'none' | 'signal';          // it_sigev_notify
  base: Base;                         // base of the last arming (relative CLOCK_REALTIME: monotonic)
  hrExpires: bigint;                  // hrtimer expiry in host time of base; kept when disarmed, as the kernel does
  status: 'disarmed' | 'armed' | 'requeue'; // it_status: POSIX_TIMER_DISARMED / ARMED / REQUEUE_PENDING
  noneArmed: boolean;                 // SIGEV_NONE: armed with a non-zero value (such timers stay DISARMED)
  interval: bigint;                   // it_interval
  overrun: bigint;                    // it_overrun, -1 after each reset
  overrunLast: bigint;                // it_overrun_last
  signalSeq: number;                  // it_signal_seq: bumped by settime, delete and each delivery
  sigqueueSeq: number;                // it_sigqueue_seq: signalSeq when the signal was last sent
  siOverrun: number;                  // si_overrun of its queued signal: fires while it was queued (before 6.13)
  armSeq: number;                     // order of the last (re)start, for ties
}

/** A timerfd context (struct timerfd_ctx), shared by every fd that holds it. */
export interface TimerFd {
  kind: 'timerfd';
  handle: FdHandle;                   // the fd handle that created it
  clock: number;                      // clockid
  base: Base;
  hrExpires: bigint;
  active: boolean;                    // the hrtimer is queued
  expired: boolean;                   // ctx->expired: fired, a periodic one not yet re-armed
  ticks: bigint;
  interval: bigint;                   // tintv
  mightCancel: boolean;               // might_cancel: on the cancel list
  canceled: boolean;                  // moffs == KTIME_MAX: the clock was set since
  armSeq: number;
}

export type Timer = PosixTimer | TimerFd;

/** A blocking call in progress (hrtimer_sleeper, futex_q, a timerfd wait queue entry). */
export interface Wait {
  call: TaskCall;
  clock: number;                      // the clock the call named
  base: Base;
  expires: bigint | null;             // host time of base; null for a timerfd read or a CPU-time sleep
  relative: boolean;                  // EINTR reports the remaining time
  requested: bigint;                  // the relative value asked for (CPU-time sleeps report it back)
  timerfd: TimerFd | null;            // the timerfd a read waits on
  armSeq: number;
}

/** One slot of an fd table. handle is null for an fd no step can name. */
export interface FdEntry { handle: FdHandle | null; file: File; cloexec: boolean }

export interface Process {
  tgid: number;                       // pid of the thread-group leader
  parent: number | null;              // tgid of the parent process; null = the harness's reaper
  fds: FdEntry[] | null;              // the fd table, shared by all threads; null once released
  sigqueue: PosixTimer[];             // queued SIGRTMIN timer signals (shared pending), oldest first
  exitSignal: number;                 // the signal its parent gets when it ends; not SIGCHLD: a clone child
  exitStatus: number | null;          // what a wait reports: exit_group's code, else the last thread's; null while one lives
}

export interface Task {
  handle: TaskHandle;                 // the program's name for it
  pid: number;                        // tid
  tgid: number;                       // its process
  state: 'running' | 'blocked' | 'exited';
  vforkParent: TaskHandle | null;     // task blocked in vfork() until this one execs or exits
  creds: Creds;                       // kept until the task is reaped
  mm: Mm | null;                      // null once exited
  userDumpable: boolean;              // user_dumpable: whether the mm was dumpable when exit_mm let it go
  timeNs: TimeNs | null;              // nsproxy->time_ns; null once exited
  timeNsForChildren: TimeNs | null;   // nsproxy->time_ns_for_children; null once exited
  wait: Wait | null;                  // the blocking call the task is in (state 'blocked')
  startBoottime: bigint;              // start_boottime: host boottime when it was made
}

export interface ModelState {
  env: Environment;                   // what the program started from
  initUserNs: UserNs;                 // init_user_ns, never freed
  startUserNs: UserNs | null;         // the namespace t0 starts in when env.userNamespace is given; its
                                      // creator (outside the program) holds it, so it is never freed
  gid: number;                        // the kgid of every task: 0, or env.userNamespace.gid
  initTimeNs: TimeNs;                 // init_time_ns, never freed
  userNamespaces: UserNs[];           // live user namespaces, init first
  timeNamespaces: TimeNs[];           // live time namespaces, init first
  tasks: Task[];                      // every task not yet reaped
  processes: Process[];               // every process with a task not yet reaped
  handlePids: Record<TaskHandle, number>; // the last pid each task handle had
  nextPid: number;                    // pids are never reused
  nextMmId: number;
  timers: Timer[];                    // live POSIX timers and timerfds, in creation order
  now: HostClocks | null;             // host clocks at the last step, realtime as last set
  nextArmSeq: number;                 // hrtimer (re)starts, for ties between equal expiries
  completions: Completion[];          // blocking calls finished during the current step
  choices: Choices;                   // how outcomes Linux leaves to chance are picked
}

export const ZERO: Timespec = { sec: 0n, nsec: 0n };

export function initialState(env: Environment, choices: Choices = {}): ModelState {
  const initUserNs: UserNs = {
    inum: PROC_USER_INIT_INO, parent: null, level: 0, owner: 0, uidMap: null, gidMapped: false,
    setgroupsAllowed: true, parentCouldSetfcap: true, maxTimeNamespaces: env.maxTimeNamespaces, timeNamespaces: {},
  };
  const initTimeNs: TimeNs = {
    inum: PROC_TIME_INIT_INO, owner: initUserNs, monotonic: ZERO, boottime: ZERO, frozen: true, charges: [],
  };
  // An unprivileged start: the creator's unshare(CLONE_NEWUSER) and the three map writes.
  const start = env.userNamespace;
  const startUserNs: UserNs | null = start === undefined ? null : {
    inum: PROC_DYNAMIC_FIRST, parent: initUserNs, level: 1, owner: env.uid, uidMap: env.uid, gidMapped: true,
    setgroupsAllowed: false, parentCouldSetfcap: start.parentCouldSetfcap, maxTimeNamespaces: INT_MAX, timeNamespaces: {},
  };
  const t0: Task = {
    handle: 't0', pid: 1, tgid: 1, state: 'running', vforkParent: null, userDumpable: true,
    creds: {
      uid: env.uid, euid: env.uid, suid: env.uid, userNs: startUserNs ?? initUserNs,
      effective: [...env.caps], permitted: [...env.caps], bounding: [...env.caps],
    },
    // The creator forked t0 without an exec: the mm was made in the initial user namespace.
    mm: { id: 1, dumpable: true, userNs: initUserNs },
    timeNs: initTimeNs, timeNsForChildren: initTimeNs, wait: null, startBoottime: env.startBoottime ?? 0n,
  };
  return {
    env, initUserNs, startUserNs, gid: start?.gid ?? 0, initTimeNs,
    userNamespaces: startUserNs ? [initUserNs, startUserNs] : [initUserNs], timeNamespaces: [initTimeNs],
    tasks: [t0], processes: [{ tgid: 1, parent: null, fds: [], sigqueue: [], exitSignal: SIGCHLD, exitStatus: null }],
    handlePids: { t0: 1 }, nextPid: 2, nextMmId: 2,
    timers: [], now: null, nextArmSeq: 1, completions: [], choices,
  };
}

// ---- Lookups (linear scans) ----------------------------------------------------------------------

/** The task a step's acting handle names, if it has not been reaped. */
export function taskByHandle(s: ModelState, handle: TaskHandle): Task | undefined {
  return s.tasks.find((t) => t.handle === handle);
}

/** The task that now has the pid the handle last had (how /proc/PID and pidfd_open resolve it). */
export function taskByPath(s: ModelState, handle: TaskHandle): Task | undefined {
  const pid = s.handlePids[handle];
  return pid === undefined ? undefined : s.tasks.find((t) => t.pid === pid);
}

export function taskByPid(s: ModelState, pid: number): Task | undefined {
  return s.tasks.find((t) => t.pid === pid);
}

export function processOf(s: ModelState, t: Task): Process {
  const p = s.processes.find((p) => p.tgid === t.tgid);
  if (!p) throw new Error(`task ${t.handle} has no process`);
  return p;
}

export function threadsOf(s: ModelState, tgid: number): Task[] {
  return s.tasks.filter((t) => t.tgid === tgid);
}

/** The fd slot a handle names in a table (the last one bound, as rebinding leaves the old fd open). */
export function fdLookup(fds: FdEntry[], handle: FdHandle): FdEntry | undefined {
  for (let i = fds.length - 1; i >= 0; i--) if (fds[i].handle === handle) return fds[i];
  return undefined;
}

export function nsToNanos(t: Timespec): bigint {
  return t.sec * 1_000_000_000n + t.nsec;
}
