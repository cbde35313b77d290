// execve() after the point of no return (fs/exec.c: begin_new_exec). de_thread kills the other
// threads and a non-leader takes over the leader's pid; exec_mmap installs a fresh mm and releases a
// vfork parent; exec_task_namespaces enters the tfc (freezing it); caps are recomputed and
// close-on-exec fds closed. A failed exec changes nothing.
import { SIGCHLD, type Errno } from '../vocab/index.ts';
import { commitCreds, isRootIn, prepareCreds } from './cred.ts';
import { exitMm, exitResources, releaseTask } from './exit.ts';
import { doCloseOnExec } from './files.ts';
import { exitItimers } from './posix_timers.ts';
import { createNewNamespaces, switchTaskNamespaces, timensOnFork } from './nsproxy.ts';
import type { Kernel, MmStruct, Task } from './sched.ts';
import { vvarMapFor } from './vdso.ts';

/** de_thread(): make the caller the only thread, and the leader. */
function deThread(k: Kernel, me: Task): void {
  const g = me.group;
  const oldLeader = g.leader;
  for (const t of [...g.threads]) {
    if (t === me) continue;
    if (t.state !== 'exited') exitResources(k, t);
    // Killed threads vanish: no zombie is left behind.
    if (t !== oldLeader) releaseTask(k, t);
  }
  if (oldLeader !== me) {
    const leaderPid = oldLeader.pid;
    // The true age of the process is the leader's: its pid comes with its start time.
    me.startBoottime = oldLeader.startBoottime;
    releaseTask(k, oldLeader);
    k.pidHash.delete(me.pid);
    me.pid = leaderPid;
    k.pidHash.set(leaderPid, me);
    k.lastPid.set(me.handle, leaderPid);
    g.leader = me;
  }
  // no_thread_group: "we have changed execution domain", so the parent hears of us by SIGCHLD.
  me.exitSignal = SIGCHLD;
}

/** exec_task_namespaces(): enter the tfc when it differs from the active namespace. */
function execTaskNamespaces(k: Kernel, me: Task): void {
  // Added by 2b5f9dad32ed; before it, exec leaves both pointers as they are.
  if (!k.features.fsExecSwitchTimensOnNewMm) return;
  const p = me.nsproxy!;
  if (p.timeNsForChildren === p.timeNs) return;
  const next = createNewNamespaces(k, 0, me, me.cred.userNs, me.cred.uid);
  if (next === 'ENOSPC') return; // unreachable without CLONE_NEWTIME
  timensOnFork(k, next, me);
  switchTaskNamespaces(k, me, next);
}

export function sysExecve(k: Kernel, me: Task, fail: boolean): Errno | null {
  if (fail) return 'ENOENT';
  deThread(k, me);
  // begin_new_exec(): the process's POSIX timers do not survive the exec.
  exitItimers(k, me.group);
  // exec_mmap(): a fresh, dumpable mm owned by the creds' user namespace.
  exitMm(me);
  const mm: MmStruct = { users: new Set([me]), dumpable: true, userNs: me.cred.userNs, vvar: k.vdsoData, timensSlot: null };
  me.mm = mm;
  vvarMapFor(k, mm, me.nsproxy!.timeNs);
  execTaskNamespaces(k, me);
  doCloseOnExec(k, me.files!);
  // The dumpability rules run before the new creds are committed, so a gain of capabilities (root
  // that had dropped some) still leaves the new mm non-dumpable through commit_creds.
  mm.dumpable = true;
  // cap_bprm_creds_from_file(): root of its user namespace gets its bounding set, anyone else nothing.
  const cred = prepareCreds(me.cred);
  cred.effective = cred.permitted = isRootIn(cred) ? cred.bounding : 0;
  commitCreds(k, me, cred);
  return null;
}
