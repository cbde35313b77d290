// Credentials: id mapping, capability evaluation (security/commoncap.c), ptrace access
// (kernel/ptrace.c) and the DAC rule of /proc/PID files (fs/proc/base.c). Every task's gid is one
// kgid that never changes (s.gid: 0, or the creator's gid of an unprivileged start), so only whether
// a namespace maps it matters.
import { CAP_NAMES, OVERFLOW_UID, type CapName } from '../vocab/index.ts';
import type { Creds, ModelState, Task, UserNs } from './state.ts';

/** A new user namespace's creds get every capability (set_cred_user_ns). */
export function fullCaps(): CapName[] {
  return [...CAP_NAMES];
}

// make_kuid(ns, uid): the kuid a uid of ns stands for, or null (INVALID_UID).
export function makeKuid(ns: UserNs, uid: number): number | null {
  if (ns.parent === null) return uid >= 0 && uid <= 0xfffffffe ? uid : null;
  return uid === 0 && ns.uidMap !== null ? ns.uidMap : null;
}

// from_kuid(ns, kuid): the uid ns shows for a kuid, or null when it has no mapping.
export function fromKuid(ns: UserNs, kuid: number): number | null {
  if (ns.parent === null) return kuid;
  return ns.uidMap !== null && ns.uidMap === kuid ? 0 : null;
}

// from_kuid_munged: unmapped ids show as the overflow uid.
export function fromKuidMunged(ns: UserNs, kuid: number): number {
  return fromKuid(ns, kuid) ?? OVERFLOW_UID;
}

export function kuidHasMapping(ns: UserNs, kuid: number): boolean {
  return fromKuid(ns, kuid) !== null;
}

// kgid_has_mapping(ns, the tasks' kgid): the only kgid that exists here. A gid map always maps it
// (unshare -r writes the caller's own gid), and the initial namespace maps every kgid.
export function kgidRootHasMapping(ns: UserNs): boolean {
  return ns.parent === null || ns.gidMapped;
}

// make_kgid(ns, 0) is valid. Outside the initial namespace it names the tasks' kgid; tasks of an
// unprivileged start never reach the initial namespace, so there too it names their own kgid.
export function gidRootValid(ns: UserNs): boolean {
  return kgidRootHasMapping(ns);
}

// cap_capable(cred, target_ns, cap): walk from the target up towards the creds' namespace.
export function capable(cred: Creds, target: UserNs, cap: CapName): boolean {
  let ns: UserNs = target;
  for (;;) {
    if (ns === cred.userNs) return cred.effective.includes(cap);
    if (ns.level <= cred.userNs.level) return false;
    // The owner of a user namespace, seen from its parent, has every capability in it.
    if (ns.parent === cred.userNs && ns.owner === cred.euid) return true;
    if (ns.parent === null) return false;
    ns = ns.parent;
  }
}

/** Whether ancestor is ns or one of its ancestors. */
export function isSameOrAncestor(ancestor: UserNs, ns: UserNs): boolean {
  for (let p: UserNs | null = ns; p !== null; p = p.parent) if (p === ancestor) return true;
  return false;
}

// cred_cap_issubset(set, subset) from kernel/cred.c: commit_creds() makes the mm non-dumpable
// unless the new creds are no more powerful than the old ones.
export function credCapIsSubset(set: Creds, subset: Creds): boolean {
  if (set.userNs === subset.userNs) return subset.permitted.every((c) => set.permitted.includes(c));
  for (let ns: UserNs = subset.userNs; ns.parent !== null; ns = ns.parent) {
    if (set.userNs === ns.parent && ns.owner === set.euid) return true;
  }
  return false;
}

// commit_creds(): install new creds; dumpability drops on an euid change or a capability gain.
export function commitCreds(t: Task, next: Creds): void {
  const old = t.creds;
  if (old.euid !== next.euid || !credCapIsSubset(old, next)) {
    if (t.mm) t.mm.dumpable = false;
  }
  t.creds = next;
}

export type PtraceMode = 'read-fscreds' | 'read-realcreds';

// ptrace_may_access -> __ptrace_may_access -> cap_ptrace_access_check.
function rootOf(ns: UserNs): UserNs {
  return ns.parent === null ? ns : rootOf(ns.parent);
}

export function ptraceMayAccess(caller: Task, target: Task, mode: PtraceMode): boolean {
  if (caller.tgid === target.tgid) return true;
  const c = caller.creds;
  const t = target.creds;
  const callerUid = mode === 'read-fscreds' ? c.euid : c.uid;
  const sameIds = callerUid === t.euid && callerUid === t.suid && callerUid === t.uid; // gids all equal
  if (!sameIds && !capable(c, t.userNs, 'CAP_SYS_PTRACE')) return false;
  // task_still_dumpable: a non-dumpable mm also needs CAP_SYS_PTRACE over the mm's user namespace;
  // an exited task, whose mm is gone, is judged by the dumpability it had then, against init_user_ns.
  if (target.mm && !target.mm.dumpable && !capable(c, target.mm.userNs, 'CAP_SYS_PTRACE')) return false;
  if (!target.mm && !target.userDumpable && !capable(c, rootOf(c.userNs), 'CAP_SYS_PTRACE')) return false;
  // cap_ptrace_access_check: the tracer must hold every capability the target is permitted.
  const callerCaps = mode === 'read-fscreds' ? c.effective : c.permitted;
  if (c.userNs === t.userNs && t.permitted.every((x) => callerCaps.includes(x))) return true;
  return capable(c, t.userNs, 'CAP_SYS_PTRACE');
}

// task_dump_owner(): the kuid owning /proc/PID files (their kgid is always the tasks' kgid).
export function procInodeOwner(target: Task): number {
  if (!target.mm) return 0;
  if (target.mm.dumpable) return target.creds.euid;
  return makeKuid(target.mm.userNs, 0) ?? 0;
}

// generic_permission(MAY_WRITE) on a mode 0644 /proc/PID file, then capable_wrt_inode_uidgid().
export function procFileMayWrite(opener: Creds, target: Task): boolean {
  const owner = procInodeOwner(target);
  if (opener.euid === owner) return true;
  return capable(opener, opener.userNs, 'CAP_DAC_OVERRIDE')
    && kuidHasMapping(opener.userNs, owner) && kgidRootHasMapping(opener.userNs);
}

/** Root of the creds' own user namespace (uid or euid), as exec decides capabilities. */
export function isNsRoot(c: Creds): boolean {
  const root = makeKuid(c.userNs, 0);
  return root !== null && (c.uid === root || c.euid === root);
}

export function copyCreds(c: Creds): Creds {
  return { ...c, effective: [...c.effective], permitted: [...c.permitted], bounding: [...c.bounding] };
}

/** Whether this is the only live task of its process and nothing else live shares its mm
 *  (current_is_single_threaded). */
export function currentIsSingleThreaded(s: ModelState, t: Task): boolean {
  return !s.tasks.some((o) => o !== t && o.state !== 'exited' && (o.tgid === t.tgid || o.mm === t.mm));
}

/** thread_group_empty(current): no other unreaped task in the thread group. */
export function threadGroupEmpty(s: ModelState, t: Task): boolean {
  return !s.tasks.some((o) => o !== t && o.tgid === t.tgid);
}
