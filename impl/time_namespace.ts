// Time namespaces (kernel/time/namespace.c): creation, reference counting, the freeze that builds the
// namespace's vvar page, and the kernel-side offset arithmetic of the syscall path.
import { NSEC_PER_SEC, PROC_TIME_INIT_INO } from '../vocab/index.ts';
import type { Kernel } from './sched.ts';
import { decTimeUcount, getUserNs, incTimeUcount, putUserNs, type UserNamespace } from './user_namespace.ts';
import { timensSetupVdsoData, type VdsoTimeData } from './vdso.ts';

/** struct timespec64 as stored in timens_offsets: sec and nsec exactly as written. */
export interface Timespec {
  sec: bigint;
  nsec: bigint;
}

export interface TimeNamespace {
  inum: number;
  /** ns->user_ns: every capability check on this namespace is made against it. */
  owner: UserNamespace;
  monotonic: Timespec;
  boottime: Timespec;
  frozenOffsets: boolean;
  /** The timens vvar page, filled at freeze time; null before (and always for init_time_ns). */
  vvarPage: VdsoTimeData | null;
  /** Text of /proc/PID/timens_offsets, produced once when the offsets can no longer change. */
  procText: string | null;
  /** The ucount charge taken at creation: (owner, creator euid). */
  ucountUid: number;
  /** nsproxy pointers and open nsfs files. */
  count: number;
}

export function initTimeNs(owner: UserNamespace): TimeNamespace {
  return {
    inum: PROC_TIME_INIT_INO, owner, monotonic: { sec: 0n, nsec: 0n }, boottime: { sec: 0n, nsec: 0n },
    frozenOffsets: true, vvarPage: null, procText: null, ucountUid: 0, count: 1,
  };
}

export function getTimeNs(ns: TimeNamespace): TimeNamespace {
  ns.count++;
  return ns;
}

export function putTimeNs(k: Kernel, ns: TimeNamespace): void {
  if (--ns.count === 0 && ns !== k.initTimeNs) freeTimeNs(k, ns);
}

/** free_time_ns(): release the ucount charge, the owner, the inode number and the vvar page. */
function freeTimeNs(k: Kernel, ns: TimeNamespace): void {
  decTimeUcount(ns.owner, ns.ucountUid);
  putUserNs(k, ns.owner);
  k.timeNamespaces.delete(ns.inum);
  k.ida.free(ns.inum);
  ns.vvarPage = null;
}

/** clone_time_ns(): a new namespace owned by userNs with old's offsets, charged to the creator's
 *  euid. ENOSPC when a ucount level is at its limit. */
export function cloneTimeNs(k: Kernel, userNs: UserNamespace, euid: number, old: TimeNamespace): TimeNamespace | 'ENOSPC' {
  if (!incTimeUcount(userNs, euid)) return 'ENOSPC';
  const ns: TimeNamespace = {
    inum: k.ida.alloc(), owner: getUserNs(userNs), monotonic: { ...old.monotonic }, boottime: { ...old.boottime },
    frozenOffsets: false, vvarPage: null, procText: null, ucountUid: euid, count: 1,
  };
  k.timeNamespaces.set(ns.inum, ns);
  return ns;
}

/** timens_set_vvar_page(): freeze the offsets and build the page, once per namespace.
 *  Fast path, taken by every entry except the first: the page is already built. */
export function timensSetVvarPage(k: Kernel, ns: TimeNamespace): void {
  if (ns === k.initTimeNs || ns.frozenOffsets) return;
  ns.frozenOffsets = true;
  ns.vvarPage = timensSetupVdsoData(ns.monotonic, ns.boottime);
}

export function timespecToNs(ts: Timespec): bigint {
  return ts.sec * NSEC_PER_SEC + ts.nsec;
}

/** timens_add_monotonic(): the syscall path's offset for the MONOTONIC family. */
export function timensAddMonotonic(k: Kernel, ns: TimeNamespace, t: bigint): bigint {
  // Fast path for tasks in init_time_ns: no offset arithmetic.
  return ns === k.initTimeNs ? t : t + timespecToNs(ns.monotonic);
}

/** timens_add_boottime(). */
export function timensAddBoottime(k: Kernel, ns: TimeNamespace, t: bigint): bigint {
  return ns === k.initTimeNs ? t : t + timespecToNs(ns.boottime);
}
