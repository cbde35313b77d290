// Creation and freeing of namespaces: create_user_ns (kernel/user_namespace.c), clone_time_ns with
// its ucount charge (kernel/time/namespace.c, kernel/ucount.c), and the release of every namespace
// that nothing references any more (free_time_ns, free_user_ns). References are found by scanning,
// following docs/conventions.md: a time namespace is held by task pointers and nsfs fds; a user
// namespace by the creds of unreaped tasks, the time namespaces it owns, its children and nsfs fds.
import { INT_MAX, type Errno } from '../vocab/index.ts';
import { kgidRootHasMapping, kuidHasMapping } from './creds.ts';
import { procAllocInum } from './inodes.ts';
import { timerfdReferenced } from './timerfd.ts';
import type { Creds, FdEntry, ModelState, TimeNs, UcountCharge, UserNs } from './state.ts';

// create_user_ns(new): checks in the kernel's order; the caller switches its creds on success.
export function createUserNs(s: ModelState, cred: Creds): UserNs | Errno {
  const parent = cred.userNs;
  if (parent.level > 32) return 'ENOSPC';
  // The creator needs a mapping in the parent, or nobody could tell who created the namespace.
  if (!kuidHasMapping(parent, cred.euid) || !kgidRootHasMapping(parent)) return 'EPERM';
  const ns: UserNs = {
    inum: procAllocInum(s), parent, level: parent.level + 1, owner: cred.euid,
    uidMap: null, gidMapped: false, setgroupsAllowed: true, parentCouldSetfcap: cred.effective.includes('CAP_SETFCAP'),
    maxTimeNamespaces: INT_MAX, timeNamespaces: {},
  };
  s.userNamespaces.push(ns);
  return ns;
}

// inc_ucount(owner, euid, UCOUNT_TIME_NAMESPACES): the creator's euid at the owner's level, then at
// each ancestor the uid that owns the child namespace on the path. Every level must be below its
// limit; levels already counted are rolled back on failure (here: nothing is counted until all pass).
export function incTimeNamespaces(owner: UserNs, euid: number): UcountCharge[] | null {
  const levels: UcountCharge[] = [];
  for (let ns: UserNs | null = owner, kuid = euid; ns !== null; kuid = ns.owner, ns = ns.parent) {
    levels.push({ ns, kuid });
  }
  for (const { ns, kuid } of levels) {
    if ((ns.timeNamespaces[kuid] ?? 0) >= ns.maxTimeNamespaces) return null;
  }
  for (const { ns, kuid } of levels) ns.timeNamespaces[kuid] = (ns.timeNamespaces[kuid] ?? 0) + 1;
  return levels;
}

function decTimeNamespaces(charges: UcountCharge[]): void {
  for (const { ns, kuid } of charges) {
    ns.timeNamespaces[kuid] -= 1;
    if (ns.timeNamespaces[kuid] === 0) delete ns.timeNamespaces[kuid];
  }
}

// copy_time_ns -> clone_time_ns: offsets copied from the creator's time_ns_for_children, not frozen.
export function cloneTimeNs(s: ModelState, owner: UserNs, creatorEuid: number, old: TimeNs): TimeNs | Errno {
  const charges = incTimeNamespaces(owner, creatorEuid);
  if (charges === null) return 'ENOSPC';
  const ns: TimeNs = {
    inum: procAllocInum(s), owner, monotonic: { ...old.monotonic }, boottime: { ...old.boottime },
    frozen: false, charges,
  };
  s.timeNamespaces.push(ns);
  return ns;
}

// timens_set_vvar_page(): the first entry freezes the offsets for good (init_time_ns always is).
export function timensFreeze(ns: TimeNs): void {
  ns.frozen = true;
}

/** Every fd slot of every live fd table. */
export function allFdEntries(s: ModelState): FdEntry[] {
  return s.processes.flatMap((p) => p.fds ?? []);
}

export function timeNsReferenced(s: ModelState, ns: TimeNs): boolean {
  return s.tasks.some((t) => t.timeNs === ns || t.timeNsForChildren === ns)
    || allFdEntries(s).some((e) => e.file.kind === 'timens' && e.file.ns === ns);
}

export function userNsReferenced(s: ModelState, ns: UserNs): boolean {
  return s.tasks.some((t) => t.creds.userNs === ns)
    || s.timeNamespaces.some((t) => t.owner === ns)
    || s.userNamespaces.some((u) => u.parent === ns)
    || allFdEntries(s).some((e) => e.file.kind === 'userns' && e.file.ns === ns);
}

// put_time_ns / put_user_ns: free what nothing holds, releasing the ucount charge and the inode
// number; freeing one namespace can release its owner and ancestors, so repeat until stable.
export function releaseUnreferenced(s: ModelState): void {
  // timerfd_release: the last fd of a timerfd is gone (and no reader is inside a read of it).
  s.timers = s.timers.filter((k) => k.kind !== 'timerfd' || timerfdReferenced(s, k));
  for (let changed = true; changed;) {
    changed = false;
    for (const ns of s.timeNamespaces) {
      if (ns === s.initTimeNs || timeNsReferenced(s, ns)) continue;
      decTimeNamespaces(ns.charges);
      s.timeNamespaces = s.timeNamespaces.filter((x) => x !== ns);
      changed = true;
    }
    for (const ns of s.userNamespaces) {
      if (ns === s.initUserNs || ns === s.startUserNs || userNsReferenced(s, ns)) continue;
      s.userNamespaces = s.userNamespaces.filter((x) => x !== ns);
      changed = true;
    }
  }
}
