// User namespaces (kernel/user_namespace.c, kernel/ucount.c): creation, id mapping, the per-level
// ucount charge of time namespaces, and lifetime. A child namespace maps at most one id, 0 <-> kuid,
// because the only map a program can write is the one `unshare -r` writes.
import { INT_MAX, OVERFLOW_UID, PROC_USER_INIT_INO, USER_NS_MAX_LEVEL } from '../vocab/index.ts';
import type { Kernel } from './sched.ts';

export interface UserNamespace {
  inum: number;
  parent: UserNamespace | null;
  level: number;
  /** kuid of the creator. */
  owner: number;
  /** uid_map "0 K 1": the kuid uid 0 maps to; null until written. */
  uidMap: number | null;
  /** gid_map "0 K 1": the kgid gid 0 maps to; null until written. */
  gidMap: number | null;
  /** USERNS_SETGROUPS_ALLOWED cleared by writing "deny". */
  setgroupsDenied: boolean;
  /** parent_could_setfcap: the creator held CAP_SETFCAP (verify_root_map). */
  parentCouldSetfcap: boolean;
  /** ucount_max[UCOUNT_TIME_NAMESPACES]. */
  maxTimeNamespaces: number;
  /** ucount[UCOUNT_TIME_NAMESPACES] at this level, by kuid. */
  timeCounts: Map<number, number>;
  /** Creds, child namespaces, owned time namespaces and open files holding it. */
  count: number;
}

export function initUserNs(maxTimeNamespaces: number): UserNamespace {
  return {
    inum: PROC_USER_INIT_INO, parent: null, level: 0, owner: 0, uidMap: 0, gidMap: 0,
    setgroupsDenied: false, parentCouldSetfcap: true, maxTimeNamespaces, timeCounts: new Map(), count: 1,
  };
}

export function getUserNs(ns: UserNamespace): UserNamespace {
  ns.count++;
  return ns;
}

/** put_user_ns -> free_user_ns: release the inode number and the parent reference. */
export function putUserNs(k: Kernel, ns: UserNamespace): void {
  let cur = ns;
  while (--cur.count === 0 && cur.parent !== null) {
    k.userNamespaces.delete(cur.inum);
    k.ida.free(cur.inum);
    cur = cur.parent;
  }
}

/** make_kuid(ns, uid): the kuid, or -1 (INVALID_UID) when unmapped. */
export function makeKuid(ns: UserNamespace, uid: number): number {
  if (ns.parent === null) return uid === 0xffffffff ? -1 : uid;
  return uid === 0 && ns.uidMap !== null ? ns.uidMap : -1;
}

export function makeKgid(ns: UserNamespace, gid: number): number {
  if (ns.parent === null) return gid === 0xffffffff ? -1 : gid;
  return gid === 0 && ns.gidMap !== null ? ns.gidMap : -1;
}

/** from_kuid(ns, kuid): the uid seen in ns, or -1. An unwritten map (null) maps no kuid. */
export function fromKuid(ns: UserNamespace, kuid: number): number {
  if (ns.parent === null) return kuid;
  return ns.uidMap === kuid ? 0 : -1;
}

export function fromKgid(ns: UserNamespace, kgid: number): number {
  if (ns.parent === null) return kgid;
  return ns.gidMap === kgid ? 0 : -1;
}

/** from_kuid_munged: unmapped ids show as the overflow uid. */
export function fromKuidMunged(ns: UserNamespace, kuid: number): number {
  const uid = fromKuid(ns, kuid);
  return uid === -1 ? OVERFLOW_UID : uid;
}

/** create_user_ns(): errno, or the new namespace (refcount 1, held by the new creds).
 *  Credentials are the caller's euid and egid (kuid, kgid). */
export function createUserNs(
  k: Kernel, parent: UserNamespace, euid: number, egid: number, couldSetfcap: boolean,
): UserNamespace | 'ENOSPC' | 'EPERM' {
  if (parent.level > USER_NS_MAX_LEVEL) return 'ENOSPC';
  // The creator needs a mapping in the parent user namespace.
  if (fromKuid(parent, euid) === -1 || fromKgid(parent, egid) === -1) return 'EPERM';
  const ns: UserNamespace = {
    inum: k.ida.alloc(), parent: getUserNs(parent), level: parent.level + 1, owner: euid,
    uidMap: null, gidMap: null, setgroupsDenied: false, parentCouldSetfcap: couldSetfcap,
    maxTimeNamespaces: INT_MAX, timeCounts: new Map(), count: 1,
  };
  k.userNamespaces.set(ns.inum, ns);
  return ns;
}

/** inc_ucount(ns, uid, UCOUNT_TIME_NAMESPACES): charge every level from ns up to the initial
 *  namespace, each below its own limit; roll back and fail otherwise. */
export function incTimeUcount(ns: UserNamespace, uid: number): boolean {
  let level: UserNamespace | null = ns;
  let key = uid;
  const charged: Array<[UserNamespace, number]> = [];
  while (level !== null) {
    const cur = level.timeCounts.get(key) ?? 0;
    if (cur >= level.maxTimeNamespaces) {
      for (const [n, u] of charged) decOne(n, u);
      return false;
    }
    level.timeCounts.set(key, cur + 1);
    charged.push([level, key]);
    key = level.owner;
    level = level.parent;
  }
  return true;
}

/** dec_ucount: release the charge taken by incTimeUcount. */
export function decTimeUcount(ns: UserNamespace, uid: number): void {
  let level: UserNamespace | null = ns;
  let key = uid;
  while (level !== null) {
    decOne(level, key);
    key = level.owner;
    level = level.parent;
  }
}

function decOne(ns: UserNamespace, uid: number): void {
  const cur = ns.timeCounts.get(uid)!;
  if (cur <= 1) ns.timeCounts.delete(uid);
  else ns.timeCounts.set(uid, cur - 1);
}
