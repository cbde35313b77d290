// nsproxy (kernel/nsproxy.c): the shared, reference-counted bundle of a task's namespace pointers.
// Tasks share one nsproxy until a pointer must change; then create_new_namespaces makes a copy and
// switch_task_namespaces swaps it in. Also setns(), with the time and user namespace install hooks.
import { CLONE_FLAGS } from '../vocab/index.ts';
import type { Errno } from '../vocab/index.ts';
import { CAP_FULL, capBit, commitCreds, nsCapable, prepareCreds, ptraceMayAccess, type Cred } from './cred.ts';
import { currentIsSingleThreaded, threadGroupEmpty, type File, type Kernel, type Task } from './sched.ts';
import { cloneTimeNs, getTimeNs, putTimeNs, timensSetVvarPage, type TimeNamespace } from './time_namespace.ts';
import { getUserNs, putUserNs, type UserNamespace } from './user_namespace.ts';
import { vdsoJoinTimens } from './vdso.ts';

export interface Nsproxy {
  timeNs: TimeNamespace;
  timeNsForChildren: TimeNamespace;
  /** Tasks pointing at this nsproxy. */
  count: number;
}

export function getNsproxy(p: Nsproxy): Nsproxy {
  p.count++;
  return p;
}

export function putNsproxy(k: Kernel, p: Nsproxy): void {
  if (--p.count > 0) return;
  putTimeNs(k, p.timeNs);
  putTimeNs(k, p.timeNsForChildren);
}

/** create_new_namespaces(): a private copy of task's nsproxy; with CLONE_NEWTIME a new tfc owned by
 *  userNs (copy_time_ns), charged to the caller's euid. */
export function createNewNamespaces(k: Kernel, flags: number, task: Task, userNs: UserNamespace, euid: number): Nsproxy | 'ENOSPC' {
  const old = task.nsproxy!;
  let tfc: TimeNamespace;
  if (flags & CLONE_FLAGS.CLONE_NEWTIME) {
    const ns = cloneTimeNs(k, userNs, euid, old.timeNsForChildren);
    if (ns === 'ENOSPC') return ns;
    tfc = ns;
  } else {
    tfc = getTimeNs(old.timeNsForChildren);
  }
  return { timeNs: getTimeNs(old.timeNs), timeNsForChildren: tfc, count: 1 };
}

/** switch_task_namespaces(): install next (already referenced) and drop the old bundle. */
export function switchTaskNamespaces(k: Kernel, task: Task, next: Nsproxy | null): void {
  const old = task.nsproxy;
  task.nsproxy = next;
  if (old !== null) putNsproxy(k, old);
}

/** timens_commit(): freeze the namespace (building its page) and remap the task's vvar. */
export function timensCommit(k: Kernel, task: Task, ns: TimeNamespace): void {
  timensSetVvarPage(k, ns);
  vdsoJoinTimens(k, task, ns);
}

/** timens_on_fork(): a child that gets its own mm enters the parent's tfc. */
export function timensOnFork(k: Kernel, p: Nsproxy, task: Task): void {
  if (p.timeNs === p.timeNsForChildren) return;
  const ns = getTimeNs(p.timeNsForChildren);
  putTimeNs(k, p.timeNs);
  p.timeNs = ns;
  timensCommit(k, task, ns);
}

/** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME: the bits a pidfd setns accepts. */
const SETNS_NAMESPACE_BITS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080;

// ---- setns -------------------------------------------------------------------------------------

/** struct nsset: what setns builds before committing anything. */
interface Nsset {
  flags: number;
  nsproxy: Nsproxy;
  cred: Cred | null;
  /** User namespace references to drop once the nsset is committed or thrown away. */
  release: UserNamespace[];
}

/** userns_install(). */
function usernsInstall(me: Task, nsset: Nsset, ns: UserNamespace): Errno | null {
  // Don't allow gaining capabilities by reentering the same user namespace.
  if (ns === me.cred.userNs) return 'EINVAL';
  // Tasks that share a thread group must share a user namespace; likewise an fs_struct.
  if (!threadGroupEmpty(me)) return 'EINVAL';
  if (me.group.live !== 1) return 'EINVAL';
  if (!nsCapable(me, ns, capBit('CAP_SYS_ADMIN'))) return 'EPERM';
  const cred = nsset.cred!;
  getUserNs(ns);
  const old = cred.userNs;
  cred.userNs = ns;
  cred.effective = cred.permitted = cred.bounding = CAP_FULL;
  nsset.release.push(old);
  return null;
}

/** timens_install(). */
function timensInstall(me: Task, nsset: Nsset, ns: TimeNamespace, k: Kernel): Errno | null {
  if (!currentIsSingleThreaded(me)) return 'EUSERS';
  const SYS_ADMIN = capBit('CAP_SYS_ADMIN');
  const credNs = nsset.cred !== null ? nsset.cred.userNs : me.cred.userNs;
  if (!nsCapable(me, ns.owner, SYS_ADMIN) || !nsCapable(me, credNs, SYS_ADMIN)) return 'EPERM';
  const p = nsset.nsproxy;
  getTimeNs(ns);
  putTimeNs(k, p.timeNs);
  p.timeNs = ns;
  getTimeNs(ns);
  putTimeNs(k, p.timeNsForChildren);
  p.timeNsForChildren = ns;
  return null;
}

function putNsset(k: Kernel, nsset: Nsset): void {
  putNsproxy(k, nsset.nsproxy);
  if (nsset.cred !== null) putUserNs(k, nsset.cred.userNs);
  for (const ns of nsset.release) putUserNs(k, ns);
}

/** setns(fd, nstype): an nsfs file or a pidfd. Nothing changes unless every install succeeds. */
export function sysSetns(k: Kernel, me: Task, file: File, nstype: number): Errno | null {
  const f = file.f;
  let flags: number;
  if (f.kind === 'nsfs') {
    const type = f.time !== null ? CLONE_FLAGS.CLONE_NEWTIME : CLONE_FLAGS.CLONE_NEWUSER;
    if (nstype !== 0 && nstype !== type) return 'EINVAL';
    flags = type;
  } else if (f.kind === 'pidfd') {
    // check_setns_flags: a non-empty mask of namespace bits.
    if (nstype === 0 || (nstype & ~SETNS_NAMESPACE_BITS) !== 0) return 'EINVAL';
    flags = nstype;
  } else {
    return 'EINVAL';
  }
  // prepare_nsset: a private nsproxy copy, and private creds when a user namespace is installed.
  const nsset: Nsset = {
    flags,
    nsproxy: createNewNamespaces(k, 0, me, me.cred.userNs, me.cred.uid) as Nsproxy,
    cred: flags & CLONE_FLAGS.CLONE_NEWUSER ? prepareCreds(me.cred) : null,
    release: [],
  };
  let err: Errno | null;
  if (f.kind === 'nsfs') {
    err = f.time !== null ? timensInstall(me, nsset, f.time, k) : usernsInstall(me, nsset, f.user!);
  } else {
    err = validateNsset(k, me, nsset, f.pid);
  }
  if (err !== null) {
    putNsset(k, nsset);
    return err;
  }
  commitNsset(k, me, nsset);
  return null;
}

/** validate_nsset(): a snapshot of the pidfd target's namespaces, installed user first, time last. */
function validateNsset(k: Kernel, me: Task, nsset: Nsset, pid: number): Errno | null {
  const tsk = k.pidHash.get(pid);
  if (tsk === undefined) return 'ESRCH';
  if (!ptraceMayAccess(me, tsk, false)) return 'EPERM';
  const nsp = tsk.nsproxy;
  if (nsp === null) return 'ESRCH';
  if (nsset.flags & CLONE_FLAGS.CLONE_NEWUSER) {
    const err = usernsInstall(me, nsset, tsk.cred.userNs);
    if (err !== null) return err;
  }
  if (nsset.flags & CLONE_FLAGS.CLONE_NEWTIME) {
    const err = timensInstall(me, nsset, nsp.timeNs, k);
    if (err !== null) return err;
  }
  return null;
}

/** commit_nsset(): creds first, then the time transition, then the nsproxy swap. */
function commitNsset(k: Kernel, me: Task, nsset: Nsset): void {
  if (nsset.cred !== null) {
    commitCreds(k, me, nsset.cred);
    nsset.cred = null;
  }
  if (nsset.flags & CLONE_FLAGS.CLONE_NEWTIME) timensCommit(k, me, nsset.nsproxy.timeNs);
  switchTaskNamespaces(k, me, nsset.nsproxy);
  for (const ns of nsset.release) putUserNs(k, ns);
}
