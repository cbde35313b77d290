// task_struct and the objects tasks share: the thread group (signal_struct), mm_struct, files_struct,
// open files, and the kernel instance that owns them all. Lifetimes are explicit reference counts,
// released by the put_* functions in exit.ts and files.ts.
import type { KernelFeatures } from './features.ts';
import type { Completion, Environment, FdHandle, HostClocks, TaskCall, TaskHandle, TimerHandle } from '../vocab/index.ts';
import type { Cred } from './cred.ts';
import type { SeqFile } from './seq_file.ts';
import type { HrTimer, HrtimerCpuBase } from './hrtimer.ts';
import type { Ida } from './ida.ts';
import type { Nsproxy } from './nsproxy.ts';
import type { KItimer } from './posix_timers.ts';
import type { TimerfdCtx } from './timerfd.ts';
import type { TimeNamespace } from './time_namespace.ts';
import type { UserNamespace } from './user_namespace.ts';
import type { VdsoTimeData } from './vdso.ts';

export interface MmStruct {
  /** Live tasks using this mm (mm_users); their handles decide the abstract `vm`. */
  users: Set<Task>;
  /** get_dumpable(mm) == SUID_DUMP_USER. */
  dumpable: boolean;
  /** mm->user_ns: the creds' user namespace at exec, copied by fork. */
  userNs: UserNamespace;
  /** What the [vvar] data slot maps: the host page, or the namespace's timens page. Replaced only by
   *  vdso_join_timens, so a read never looks up the task's namespace. */
  vvar: VdsoTimeData;
  /** The [vvar] timens slot: the real host page while vvar is a timens page, else null. */
  timensSlot: VdsoTimeData | null;
}

export type FileKind =
  | { kind: 'nsfs'; time: TimeNamespace | null; user: UserNamespace | null }
  | { kind: 'offsets'; pid: number; target: TaskHandle; read: boolean; write: boolean; seq: SeqFile }
  | { kind: 'pidfd'; pid: number; target: TaskHandle }
  | { kind: 'timerfd'; ctx: TimerfdCtx };

export interface File {
  /** f_count: fd-table slots holding this open file. */
  count: number;
  /** f_cred: the opener's credentials, used by file_ns_capable. */
  cred: Cred;
  /** f_pos: shared by every fd (and process) holding this open file. */
  pos: number;
  f: FileKind;
}

export interface FdEntry {
  file: File;
  cloexec: boolean;
}

export interface FilesStruct {
  /** Live tasks using this table (threads share it with CLONE_FILES). */
  count: number;
  fds: Map<FdHandle, FdEntry>;
}

/** signal_struct: one per thread group (process). */
export interface ThreadGroup {
  leader: Task;
  /** Every unreleased task of the group: live threads and a zombie leader (thread_head). */
  threads: Set<Task>;
  /** signal->live. */
  live: number;
  /** The parent process; null for the harness's reaper. */
  parent: ThreadGroup | null;
  children: Set<ThreadGroup>;
  /** signal->posix_timers. */
  timers: Set<KItimer>;
  /** signal->group_exit_code once do_group_exit or the last thread's exit set SIGNAL_GROUP_EXIT, else null. */
  groupExitCode: number | null;
  /** shared_pending for SIGRTMIN: timers whose signal is queued, in queueing order (a Set keeps
   *  insertion order, so a dequeue is O(1) instead of a search). */
  sigQueue: Set<KItimer>;
  /** signal->cutime, cstime: CPU time of the reaped children (and of theirs), in ns. */
  cutime: bigint;
  cstime: bigint;
}

/** A task in a blocking call: what it waits for and how it ends. */
export interface Waiter {
  call: TaskCall;
  clock: number;
  /** The hrtimer_sleeper, or null for a timerfd read. */
  sleeper: HrTimer | null;
  /** Relative sleeps report the time left on EINTR. */
  relative: boolean;
  /** A timerfd read: the file it holds for the length of the read. */
  file: File | null;
}

export interface Task {
  handle: TaskHandle;
  pid: number;
  group: ThreadGroup;
  state: 'running' | 'blocked' | 'exited';
  cred: Cred;
  /** Null once the task has exited (exit_task_namespaces). */
  nsproxy: Nsproxy | null;
  mm: MmStruct | null;
  /** user_dumpable: the mm's dumpability when exit_mm() let it go; judges an exited task's ptrace access. */
  userDumpable: boolean;
  files: FilesStruct | null;
  /** The parent blocked in vfork until this task execs or exits (vfork_done). */
  vforkParent: Task | null;
  /** The blocking call the task is in (state 'blocked'), or null. */
  waiting: Waiter | null;
  /** exit_signal: what the parent is sent when this leader's process ends (-1 for a thread). */
  exitSignal: number;
  /** exit_code: the wait status do_exit stored ((code & 0xff) << 8). */
  exitCode: number;
  /** start_boottime: host boottime at copy_process. */
  startBoottime: bigint;
}

export interface Kernel {
  env: Environment;
  /** The release imitated (impl/features.ts), fixed at boot. */
  features: KernelFeatures;
  ida: Ida;
  initUserNs: UserNamespace;
  initTimeNs: TimeNamespace;
  /** Live namespaces by inode number (the nsfs tree), for abstract(). */
  timeNamespaces: Map<number, TimeNamespace>;
  userNamespaces: Map<number, UserNamespace>;
  /** find_task_by_vpid: pid -> task, O(1) instead of a scan of the task list. */
  pidHash: Map<number, Task>;
  /** Handle -> its task while it has one. */
  tasks: Map<TaskHandle, Task>;
  /** Handle -> the last pid its task had, for paths naming a dead or vanished task. */
  lastPid: Map<TaskHandle, number>;
  nextPid: number;
  /** How many unnamed fds have been installed, for their keys (files.ts fdInstallUnnamed). */
  unnamedFds: number;
  /** The host clocks at the current step. */
  host: HostClocks;
  /** The host vDSO data page, written by the timekeeper. */
  vdsoData: VdsoTimeData;
  /** The hrtimer bases and the host time each base has been brought to. */
  hrtimers: HrtimerCpuBase;
  /** Whether a step has run yet: the first one only sets the bases' clocks. */
  started: boolean;
  /** Blocking calls finished during the current step, in order. */
  completions: Completion[];
  /** POSIX timers by handle (each remembers its process). */
  posixTimers: Map<TimerHandle, KItimer>;
  /** Live timerfds by the handle of the fd that created them. */
  timerfds: Map<FdHandle, TimerfdCtx>;
  /** cancel_list: timerfds armed with TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET on a realtime clock. */
  cancelList: Set<TimerfdCtx>;
}

/** Numeric part of a handle, the order of the abstract `vm` field. */
export function handleNumber(h: string): number {
  let n = 0;
  for (let i = 1; i < h.length; i++) n = n * 10 + h.charCodeAt(i) - 48;
  return n;
}

/** The pid a path names: the handle's task's pid, else the last pid it had. */
export function handlePid(k: Kernel, h: TaskHandle): number | undefined {
  const t = k.tasks.get(h);
  return t ? t.pid : k.lastPid.get(h);
}

/** find_task_by_vpid(handle's pid). */
export function findTaskByHandle(k: Kernel, h: TaskHandle): Task | undefined {
  const pid = handlePid(k, h);
  return pid === undefined ? undefined : k.pidHash.get(pid);
}

/** thread_group_empty(): the caller is the leader and the group holds no other task. */
export function threadGroupEmpty(t: Task): boolean {
  return t.group.leader === t && t.group.threads.size === 1;
}

/** current_is_single_threaded(): no other live thread, and no other live task on the mm. */
export function currentIsSingleThreaded(t: Task): boolean {
  return t.group.live === 1 && t.mm !== null && t.mm.users.size === 1;
}
