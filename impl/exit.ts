// Task exit and reaping (kernel/exit.c: do_exit, exit_notify, release_task, do_wait). A thread drops
// its mm, fd table and namespaces at exit; its creds go when it is released: at once for a non-leader
// thread, at reaping for a leader. A process whose parent is the reaper is reaped as it ends.
import { SIGCHLD, WAIT_OPTIONS } from '../vocab/index.ts';
import type { Kernel, Task, ThreadGroup } from './sched.ts';
import { putCred } from './cred.ts';
import { putFilesStruct } from './files.ts';
import { switchTaskNamespaces } from './nsproxy.ts';
import { exitItimers } from './posix_timers.ts';
import { abortWait } from './signal.ts';

/** mm_release(): complete vfork_done, waking a parent blocked in vfork. */
export function mmReleaseVfork(t: Task): void {
  const parent = t.vforkParent;
  if (parent === null) return;
  t.vforkParent = null;
  if (parent.state === 'blocked') parent.state = 'running';
}

/** exit_mm(). */
export function exitMm(t: Task): void {
  const mm = t.mm;
  if (mm === null) return;
  mm.users.delete(t);
  t.userDumpable = mm.dumpable;
  t.mm = null;
  mmReleaseVfork(t);
}

/** release_task(): the task's pid and creds go; its handle now names nothing. */
export function releaseTask(k: Kernel, t: Task): void {
  t.group.threads.delete(t);
  k.pidHash.delete(t.pid);
  if (k.tasks.get(t.handle) === t) k.tasks.delete(t.handle);
  putCred(k, t.cred);
}

/** The exit half of do_exit() shared with de_thread's kills: everything but the release. */
export function exitResources(k: Kernel, t: Task): void {
  // A killed task's blocking call vanishes with it.
  abortWait(k, t);
  exitMm(t);
  if (t.files !== null) {
    putFilesStruct(k, t.files);
    t.files = null;
  }
  // exit_task_namespaces()
  switchTaskNamespaces(k, t, null);
  t.state = 'exited';
  t.group.live--;
}

/** Reap a dead process: release its zombie leader and unlink it from its parent. */
export function reapGroup(k: Kernel, g: ThreadGroup): void {
  for (const t of [...g.threads]) releaseTask(k, t);
  if (g.parent !== null) g.parent.children.delete(g);
}

/** The process's last thread has exited: orphans go to the reaper (which reaps the dead ones) and
 *  the process itself is reaped at once when its parent is the reaper. */
function processEnd(k: Kernel, g: ThreadGroup): void {
  for (const child of [...g.children]) {
    g.children.delete(child);
    child.parent = null;
    if (child.live === 0) reapGroup(k, child);
  }
  if (g.parent === null) reapGroup(k, g);
}

/** synchronize_group_exit() (Linux 6.0+): the last thread to leave a group that did not exit as a group
 *  sets SIGNAL_GROUP_EXIT with its own code. */
function synchronizeGroupExit(g: ThreadGroup, code: number): void {
  if (g.live === 1 && g.groupExitCode === null) g.groupExitCode = code;
}

/** do_exit(code) of one thread: code is the wait status ((exit code & 0xff) << 8). */
export function doExit(k: Kernel, t: Task, code: number): void {
  if (t.state === 'exited') return;
  synchronizeGroupExit(t.group, code);
  t.exitCode = code;
  exitResources(k, t);
  const g = t.group;
  // exit_notify(): a non-leader thread reaps itself; a leader waits as a zombie for its group.
  if (g.leader !== t) releaseTask(k, t);
  if (g.live === 0) {
    // group_dead: exit_itimers().
    exitItimers(k, g);
    processEnd(k, g);
  }
}

/** do_group_exit(code): SIGNAL_GROUP_EXIT with group_exit_code; every thread of the group exits with it. */
export function doGroupExit(k: Kernel, me: Task, code: number): void {
  me.group.groupExitCode = code;
  for (const t of [...me.group.threads]) if (t !== me) doExit(k, t, code);
  doExit(k, me, code);
}

/** eligible_child(): __WALL waits for every child; otherwise __WCLONE picks the children whose exit
 *  signal is not SIGCHLD, and its absence the others. */
function eligibleChild(options: number, child: Task): boolean {
  if (options & WAIT_OPTIONS.__WALL) return true;
  return (child.exitSignal !== SIGCHLD) === ((options & WAIT_OPTIONS.__WCLONE) !== 0);
}

/** do_wait() with WNOHANG from any thread of the parent process: ECHILD, 0 while the child runs, or its
 *  wait status once reaped (wait_task_zombie: group_exit_code under SIGNAL_GROUP_EXIT, else the leader's). */
export function sysWait(k: Kernel, me: Task, child: Task | undefined, options: number): 'ECHILD' | { status: number } | 0 {
  if (child === undefined || child.group.leader !== child || child.group.parent !== me.group) return 'ECHILD';
  if (!eligibleChild(options, child)) return 'ECHILD';
  if (child.group.live > 0) return 0;
  const status = child.group.groupExitCode ?? child.exitCode;
  // wait_task_zombie: the child's group CPU time (the harness gives children none) and that of the
  // children it reaped go to the waiter's signal_struct.
  me.group.cutime += child.group.cutime;
  me.group.cstime += child.group.cstime;
  reapGroup(k, child.group);
  return { status };
}
