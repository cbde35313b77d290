// Task exit and reaping (kernel/exit.c: do_exit, exit_notify, release_task, do_wait). A thread drops
// its mm, fd table and namespaces at exit; its creds go when it is released: at once for a non-leader
// thread, at reaping for a leader. A process whose parent is the reaper is reaped as it ends.
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

/** do_exit() of one thread. */
export function doExit(k: Kernel, t: Task): void {
  if (t.state === 'exited') return;
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

/** do_group_exit(): every thread of the group exits. */
export function doGroupExit(k: Kernel, me: Task): void {
  for (const t of [...me.group.threads]) if (t !== me) doExit(k, t);
  doExit(k, me);
}

/** waitpid(child, WNOHANG | __WALL) from any thread of the parent process. */
export function sysWait(k: Kernel, me: Task, child: Task | undefined): 'ECHILD' | 0 | 1 {
  if (child === undefined || child.group.leader !== child || child.group.parent !== me.group) return 'ECHILD';
  if (child.group.live > 0) return 0;
  reapGroup(k, child.group);
  return 1;
}
