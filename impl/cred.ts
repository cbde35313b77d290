// Credentials (kernel/cred.c, security/commoncap.c, kernel/ptrace.c). A cred is shared by reference
// and never changed in place: a change is prepare_creds (copy) + commit_creds (swap), so fds keep the
// opener's credentials and threads created before a change keep theirs.
// Capability sets are bitmasks over the capabilities the vocabulary names: no other capability decides
// anything in this subsystem.
import { CAP_NAMES, type CapName } from '../vocab/index.ts';
import type { Kernel, Task } from './sched.ts';
import { createUserNs, getUserNs, makeKuid, putUserNs, type UserNamespace } from './user_namespace.ts';

export const CAP_FULL = (1 << CAP_NAMES.length) - 1;

export function capBit(name: CapName): number {
  return 1 << CAP_NAMES.indexOf(name);
}

export function capMask(names: readonly CapName[]): number {
  let m = 0;
  for (const n of names) m |= capBit(n);
  return m;
}

export interface Cred {
  /** uid = euid = suid = fsuid (kuid): setuid is setresuid(u, u, u). */
  uid: number;
  /** gid = egid = sgid = fsgid (kgid): never changes (0, or the creator's gid of an unprivileged start). */
  gid: number;
  userNs: UserNamespace;
  effective: number;
  permitted: number;
  bounding: number;
  /** Tasks and open files holding this cred. */
  count: number;
}

export function getCred(c: Cred): Cred {
  c.count++;
  return c;
}

export function putCred(k: Kernel, c: Cred): void {
  if (--c.count === 0) putUserNs(k, c.userNs);
}

/** prepare_creds(): a private copy to modify before commit_creds. */
export function prepareCreds(old: Cred): Cred {
  return { ...old, userNs: getUserNs(old.userNs), count: 1 };
}

/** cred_cap_issubset(set, subset). */
function credCapIssubset(set: Cred, subset: Cred): boolean {
  if (set.userNs === subset.userNs) return (subset.permitted & ~set.permitted) === 0;
  for (let ns = subset.userNs; ns.parent !== null; ns = ns.parent) {
    if (ns.parent === set.userNs && ns.owner === set.uid) return true;
  }
  return false;
}

/** commit_creds(): install new creds on the task; a change of euid or a gain of capabilities makes
 *  the mm non-dumpable (suid_dumpable = 0). */
export function commitCreds(k: Kernel, task: Task, next: Cred): void {
  const old = task.cred;
  if ((old.uid !== next.uid || !credCapIssubset(old, next)) && task.mm !== null) task.mm.dumpable = false;
  task.cred = next;
  putCred(k, old);
}

/** cap_capable(): does cred hold cap in targetNs? The walk, the kernel's for (;;), returns by the cred's level. */
export function capCapable(cred: Cred, targetNs: UserNamespace, cap: number): boolean {
  for (let ns = targetNs; ; ns = ns.parent!) {
    if (ns === cred.userNs) return (cred.effective & cap) !== 0;
    if (ns.level <= cred.userNs.level) return false;
    // The owner of a user namespace has every capability in it.
    if (ns.parent === cred.userNs && ns.owner === cred.uid) return true;
  }
}

/** ns_capable(current, ns, cap). */
export function nsCapable(task: Task, ns: UserNamespace, cap: number): boolean {
  return capCapable(task.cred, ns, cap);
}

/** Root of a user namespace: uid 0 there (make_kuid(ns, 0)). */
export function isRootIn(cred: Cred): boolean {
  const root = makeKuid(cred.userNs, 0);
  return root !== -1 && cred.uid === root;
}

function initUserNsOf(ns: UserNamespace): UserNamespace {
  let n = ns;
  while (n.parent !== null) n = n.parent;
  return n;
}

/** __ptrace_may_access() followed by cap_ptrace_access_check(). fsCreds: PTRACE_MODE_FSCREDS
 *  (compare with the caller's effective set) rather than REALCREDS (permitted set). */
export function ptraceMayAccess(caller: Task, target: Task, fsCreds: boolean): boolean {
  if (caller.group === target.group) return true;
  const cred = caller.cred;
  const tcred = target.cred;
  const SYS_PTRACE = capBit('CAP_SYS_PTRACE');
  if (!(cred.uid === tcred.uid) && !capCapable(cred, tcred.userNs, SYS_PTRACE)) return false;
  // task_still_dumpable(): the mm's dumpability, or once it is gone the one recorded at exit_mm(),
  // judged against init_user_ns.
  const mm = target.mm;
  if (mm !== null && !mm.dumpable && !capCapable(cred, mm.userNs, SYS_PTRACE)) return false;
  if (mm === null && !target.userDumpable && !capCapable(cred, initUserNsOf(cred.userNs), SYS_PTRACE)) return false;
  const callerCaps = fsCreds ? cred.effective : cred.permitted;
  if (cred.userNs === tcred.userNs && (tcred.permitted & ~callerCaps) === 0) return true;
  return capCapable(cred, tcred.userNs, SYS_PTRACE);
}

/** create_user_ns() on a copy of `old`: the copy moves into the new namespace with every capability
 *  there (set_cred_user_ns). Shared by clone3(CLONE_NEWUSER) and unshare(CLONE_NEWUSER). */
export function prepareCredsInNewUserNs(k: Kernel, old: Cred): Cred | 'ENOSPC' | 'EPERM' {
  const cred = prepareCreds(old);
  const ns = createUserNs(k, cred.userNs, cred.uid, cred.gid, (cred.effective & capBit('CAP_SETFCAP')) !== 0);
  if (typeof ns === 'string') {
    putCred(k, cred);
    return ns;
  }
  putUserNs(k, cred.userNs);
  cred.userNs = ns;
  cred.effective = cred.permitted = cred.bounding = CAP_FULL;
  return cred;
}
