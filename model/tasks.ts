// Tasks and processes: kernel_clone/copy_process (fork, vfork, pthread_create, clone3), execve,
// exit, exit_group and waitpid. Namespace effects follow copy_namespaces/timens_on_fork and
// exec_task_namespaces (Linux 6.2+): a child that does not share the mm enters its parent's
// time_ns_for_children and freezes it; a CLONE_VM child keeps both pointers; exec switches to
// time_ns_for_children together with the new mm. Before 6.2 (profile "6.1", model/profile.ts
// execSwitchesTimens) exec switches nothing, and the mm is kept out of two namespaces at clone time.
import {
  CLONE_FLAGS as F, SIGCHLD, WAIT_OPTIONS, type CloneFlagName, type Observation, type TaskHandle, type WaitOptionName,
} from '../vocab/index.ts';
import { capable, commitCreds, copyCreds, fullCaps, isNsRoot } from './creds.ts';
import { cloneTimeNs, createUserNs, timensFreeze } from './lifetime.ts';
import { processOf, taskByHandle, taskByPath, threadsOf, type ModelState, type Process, type Task } from './state.ts';
import { kernelChanges } from './profile.ts';
import { exitItimers } from './timers.ts';

export function cloneFlags(names: readonly CloneFlagName[]): number {
  return names.reduce((acc, n) => acc | F[n], 0);
}

/** The flags each task-creating call passes to kernel_clone. */
export const FORK_FLAGS = 0;
export const VFORK_FLAGS = F.CLONE_VM | F.CLONE_VFORK;
export const THREAD_FLAGS = F.CLONE_VM | F.CLONE_FS | F.CLONE_FILES | F.CLONE_SIGHAND | F.CLONE_THREAD;

/** clone3 flags of a program: CLONE_THREAD brings CLONE_SIGHAND|CLONE_FILES|CLONE_FS along. */
export function clone3Flags(names: readonly CloneFlagName[]): number {
  const flags = cloneFlags(names);
  return flags & F.CLONE_THREAD ? flags | F.CLONE_SIGHAND | F.CLONE_FILES | F.CLONE_FS : flags;
}

// clone3 -> clone3_args_valid: before a402f1e35313, CLONE_NEWTIME is one of the CSIGNAL bits clone3 refuses.
export function sysClone3(s: ModelState, parent: Task, child: TaskHandle, flags: number): Observation {
  if ((flags & F.CLONE_NEWTIME) && !kernelChanges(s.env).clone3AllowsNewtime) return { err: 'EINVAL' };
  return kernelClone(s, parent, child, flags);
}

// The legacy clone: the low byte of the flags word is the exit signal (args.exit_signal = flags & CSIGNAL),
// taken as it is, with no check; so CLONE_NEWTIME, a CSIGNAL bit, is never a flag here.
export function sysClone(s: ModelState, parent: Task, child: TaskHandle, flags: number, exitSignal: number): Observation {
  return kernelClone(s, parent, child, flags, exitSignal);
}

// kernel_clone -> copy_process -> copy_creds, copy_namespaces -> create_new_namespaces, timens_on_fork.
// fork, vfork and clone3 as the harness makes them send SIGCHLD; a thread's exit signal means nothing.
export function kernelClone(s: ModelState, parent: Task, child: TaskHandle, flags: number, exitSignal = SIGCHLD): Observation {
  const changes = kernelChanges(s.env);
  if ((flags & F.CLONE_NEWUSER) && (flags & F.CLONE_FS)) return { err: 'EINVAL' };
  if ((flags & F.CLONE_THREAD) && !(flags & F.CLONE_SIGHAND)) return { err: 'EINVAL' };
  if ((flags & F.CLONE_SIGHAND) && !(flags & F.CLONE_VM)) return { err: 'EINVAL' };
  if ((flags & F.CLONE_THREAD) && (flags & F.CLONE_NEWUSER)) return { err: 'EINVAL' };
  // Before 2b5f9dad32ed: a child that would share the mm (or thread group) of a parent whose
  // time_for_children is not its time is refused, since it would enter that namespace at birth.
  if (!changes.execSwitchesTimens && (flags & (F.CLONE_THREAD | F.CLONE_VM)) && parent.timeNs !== parent.timeNsForChildren) {
    return { err: 'EINVAL' };
  }
  // copy_creds: a new user namespace makes the child its owner's creature with every capability.
  let creds = copyCreds(parent.creds);
  if (flags & F.CLONE_NEWUSER) {
    const userNs = createUserNs(s, parent.creds);
    if (typeof userNs === 'string') return { err: userNs };
    creds = { ...creds, userNs, effective: fullCaps(), permitted: fullCaps(), bounding: fullCaps() };
  }
  // copy_namespaces: CAP_SYS_ADMIN over the child's user namespace, judged on the parent's creds.
  let timeNs = parent.timeNs!;
  let timeNsForChildren = parent.timeNsForChildren!;
  if (flags & F.CLONE_NEWTIME) {
    if (!capable(parent.creds, creds.userNs, 'CAP_SYS_ADMIN')) return { err: 'EPERM' };
    const ns = cloneTimeNs(s, creds.userNs, parent.creds.euid, parent.timeNsForChildren!);
    if (typeof ns === 'string') return { err: ns };
    timeNsForChildren = ns;
  }
  // timens_on_fork: only a child with its own mm can enter (before 2b5f9dad32ed every child with a new
  // nsproxy, so a clone3(CLONE_NEWTIME|CLONE_VM) child too); entering freezes.
  if ((!(flags & F.CLONE_VM) || !changes.execSwitchesTimens) && timeNs !== timeNsForChildren) {
    timeNs = timeNsForChildren;
    timensFreeze(timeNs);
  }
  // Don't report errors after this line: the child exists.
  const pid = s.nextPid++;
  const mm = flags & F.CLONE_VM
    ? parent.mm!
    : { id: s.nextMmId++, dumpable: parent.mm!.dumpable, userNs: parent.mm!.userNs };
  const thread = (flags & F.CLONE_THREAD) !== 0;
  if (!thread) {
    const fds = processOf(s, parent).fds!.map((e) => ({ ...e }));
    s.processes.push({ tgid: pid, parent: parent.tgid, fds, sigqueue: [], exitSignal, exitStatus: null });
  }
  s.tasks.push({
    handle: child, pid, tgid: thread ? parent.tgid : pid, state: 'running',
    vforkParent: flags & F.CLONE_VFORK ? parent.handle : null,
    creds, mm, userDumpable: true, timeNs, timeNsForChildren, wait: null, startBoottime: s.now!.boottime,
  });
  s.handlePids[child] = pid;
  if (flags & F.CLONE_VFORK) parent.state = 'blocked';
  return { ret: 0, handle: child };
}

// complete_vfork_done(), from mm_release() at exit and at exec.
function releaseVforkParent(s: ModelState, t: Task): void {
  if (t.vforkParent === null) return;
  const parent = taskByHandle(s, t.vforkParent);
  if (parent && parent.state === 'blocked') parent.state = 'running';
  t.vforkParent = null;
}

// do_exit() of one task: exit_mm, exit_task_namespaces; creds stay until the task is reaped.
function doExit(s: ModelState, t: Task): void {
  t.state = 'exited';
  t.userDumpable = t.mm?.dumpable ?? false;
  t.mm = null;
  t.timeNs = null;
  t.timeNsForChildren = null;
  t.wait = null; // a blocking call vanishes with its task
  releaseVforkParent(s, t);
}

function removeTask(s: ModelState, t: Task): void {
  s.tasks = s.tasks.filter((x) => x !== t);
}

// release_task() of a whole process: the zombie leader and the process go.
function reapProcess(s: ModelState, p: Process): void {
  s.tasks = s.tasks.filter((t) => t.tgid !== p.tgid);
  s.processes = s.processes.filter((x) => x !== p);
}

function hasLiveTask(s: ModelState, tgid: number): boolean {
  return threadsOf(s, tgid).some((t) => t.state !== 'exited');
}

// exit_notify(): a non-leader thread is released at once; the last thread's exit ends the process:
// its fd table goes, its children move to the reaper (zombies among them are reaped), and it is
// reaped at once when its own parent is the reaper.
function exitNotify(s: ModelState, t: Task): void {
  const p = processOf(s, t);
  if (t.pid !== p.tgid) removeTask(s, t);
  if (hasLiveTask(s, p.tgid)) return;
  p.fds = null;
  exitItimers(s, p.tgid);
  p.sigqueue = [];
  for (const child of s.processes.filter((c) => c.parent === p.tgid)) {
    if (hasLiveTask(s, child.tgid)) child.parent = null;
    else reapProcess(s, child);
  }
  if (p.parent === null) reapProcess(s, p);
}

/** The wait status of an exit with this code: (code & 0xff) << 8. */
function exitStatus(code: number): number {
  return (code & 0xff) << 8;
}

// SYS_exit(code). The last thread of a process to exit gives the process its exit status
// (synchronize_group_exit, Linux 6.0+): a leader that exited first does not decide it.
export function sysExit(s: ModelState, t: Task, code: number): Observation {
  const p = processOf(s, t);
  if (p.exitStatus === null && threadsOf(s, t.tgid).every((o) => o === t || o.state === 'exited')) p.exitStatus = exitStatus(code);
  doExit(s, t);
  exitNotify(s, t);
  return { ret: 0 };
}

// SYS_exit_group(code) -> do_group_exit: the group's exit status is this code, then every thread of
// the group dies, the caller last.
export function sysExitGroup(s: ModelState, t: Task, code: number): Observation {
  processOf(s, t).exitStatus = exitStatus(code);
  const others = threadsOf(s, t.tgid).filter((o) => o !== t && o.state !== 'exited');
  for (const o of [...others, t]) {
    doExit(s, o);
    exitNotify(s, o);
  }
  return { ret: 0 };
}

// execve -> begin_new_exec: de_thread, exec_mmap, exec_task_namespaces, do_close_on_exec,
// dumpability, then commit_creds of the recomputed capabilities (cap_bprm_creds_from_file).
export function sysExec(s: ModelState, t: Task, fail: boolean): Observation {
  if (fail) return { err: 'ENOENT' };
  // Point of no return. de_thread: the other threads die without becoming zombies, and a
  // non-leader takes over the leader's pid, and its birth date (start_boottime) with it.
  const leader = threadsOf(s, t.tgid).find((o) => o.pid === t.tgid)!;
  for (const o of threadsOf(s, t.tgid)) {
    if (o === t) continue;
    if (o.state !== 'exited') doExit(s, o);
    removeTask(s, o);
  }
  if (t.pid !== t.tgid) {
    t.startBoottime = leader.startBoottime;
    t.pid = t.tgid;
    s.handlePids[t.handle] = t.tgid;
  }
  releaseVforkParent(s, t);
  // "we have changed execution domain": whatever it was, the exit signal is SIGCHLD from now on.
  processOf(s, t).exitSignal = SIGCHLD;
  // exit_itimers and flush_itimer_signals: the process's POSIX timers and their signals go.
  exitItimers(s, t.tgid);
  processOf(s, t).sigqueue = [];
  t.mm = { id: s.nextMmId++, dumpable: true, userNs: t.creds.userNs };
  // exec_task_namespaces (from 2b5f9dad32ed): the new mm enters time_for_children.
  if (kernelChanges(s.env).execSwitchesTimens && t.timeNs !== t.timeNsForChildren) {
    t.timeNs = t.timeNsForChildren;
    timensFreeze(t.timeNs!);
  }
  const p = processOf(s, t);
  p.fds = p.fds!.filter((e) => !e.cloexec);
  // handle_privileged_root: root of its own namespace gets its bounding set, anyone else nothing.
  const caps = isNsRoot(t.creds) ? [...t.creds.bounding] : [];
  commitCreds(t, { ...copyCreds(t.creds), permitted: caps, effective: [...caps] });
  return { ret: 0 };
}

// wait4(pid, WNOHANG | options) and waitid(P_PID, pid, WEXITED | WNOHANG | options) -> do_wait: only a
// child process's leader can be waited for (eligible_child), and without __WALL only a child whose exit
// signal is SIGCHLD, or with __WCLONE only one whose exit signal is not. A reaped child reports its
// process's exit status.
export function sysWait(s: ModelState, t: Task, child: TaskHandle, options: readonly WaitOptionName[]): Observation {
  const c = taskByPath(s, child);
  if (!c || c.pid !== c.tgid) return { err: 'ECHILD' };
  const p = processOf(s, c);
  if (p.parent !== t.tgid) return { err: 'ECHILD' };
  const opts = options.reduce((acc, o) => acc | WAIT_OPTIONS[o], 0);
  const cloneChild = p.exitSignal !== SIGCHLD;
  const wantsClone = (opts & WAIT_OPTIONS.__WCLONE) !== 0;
  if (!(opts & WAIT_OPTIONS.__WALL) && cloneChild !== wantsClone) return { err: 'ECHILD' };
  if (hasLiveTask(s, p.tgid)) return { ret: 0 };
  const status = p.exitStatus!;
  reapProcess(s, p);
  return { ret: 1, status };
}
