// Changing credentials: setresgid/setresuid (kernel/sys.c) with cap_emulate_setxuid
// (security/commoncap.c), capset, and the uid/gid map writes of `unshare -r`
// (kernel/user_namespace.c: proc_setgroups_write, map_write, new_idmap_permitted).
import type { CapName, Observation } from '../vocab/index.ts';
import {
  capable, commitCreds, copyCreds, fromKuidMunged, gidRootValid, kgidRootHasMapping, makeKuid, procFileMayWrite,
} from './creds.ts';
import { taskByPid, type ModelState, type Task, type UserNs } from './state.ts';

// setresgid(0,0,0) then __sys_setresuid(u,u,u).
export function sysSetuid(t: Task, uid: number): Observation {
  const c = t.creds;
  // setresgid: gid 0 must map; it always names the tasks' kgid, the current gid, so nothing changes.
  if (!gidRootValid(c.userNs)) return { err: 'EINVAL' };
  const kuid = makeKuid(c.userNs, uid);
  if (kuid === null) return { err: 'EINVAL' };
  if (kuid === c.uid && kuid === c.euid && kuid === c.suid) return { ret: 0 };
  const isNew = kuid !== c.uid && kuid !== c.euid && kuid !== c.suid;
  if (isNew && !capable(c, c.userNs, 'CAP_SETUID')) return { err: 'EPERM' };
  // cap_emulate_setxuid: leaving root drops permitted and effective; becoming euid root restores
  // effective from permitted.
  const root = makeKuid(c.userNs, 0);
  let permitted = [...c.permitted];
  let effective = [...c.effective];
  if ([c.uid, c.euid, c.suid].includes(root as number) && kuid !== root) {
    permitted = [];
    effective = [];
  }
  if (c.euid === root && kuid !== root) effective = [];
  if (c.euid !== root && kuid === root) effective = [...permitted];
  commitCreds(t, { ...copyCreds(c), uid: kuid, euid: kuid, suid: kuid, permitted, effective });
  return { ret: 0 };
}

// capset: drop from effective and permitted; a subset never changes dumpability.
export function sysDropCaps(t: Task, caps: CapName[]): Observation {
  const c = t.creds;
  commitCreds(t, {
    ...copyCreds(c),
    effective: c.effective.filter((x) => !caps.includes(x)),
    permitted: c.permitted.filter((x) => !caps.includes(x)),
  });
  return { ret: 0 };
}

// prctl(PR_SET_DUMPABLE / PR_GET_DUMPABLE): the mm's dumpability, shared by every task using the mm.
// Only SUID_DUMP_DISABLE (0) and SUID_DUMP_USER (1) may be set.
export function sysPrctlDumpable(t: Task, set: number | undefined): Observation {
  if (set === undefined) return { ret: t.mm!.dumpable ? 1 : 0 };
  if (set !== 0 && set !== 1) return { err: 'EINVAL' };
  t.mm!.dumpable = set === 1;
  return { ret: 0 };
}

// proc_uid_map_write / proc_gid_map_write -> map_write("0 K 1") of the caller's own namespace.
function mapWrite(t: Task, ns: UserNs, which: 'uid' | 'gid'): Observation | null {
  const parent = ns.parent;
  if (parent === null) return { err: 'EPERM' };
  if (t.creds.userNs !== ns && t.creds.userNs !== parent) return { err: 'EPERM' };
  if (which === 'uid' ? ns.uidMap !== null : ns.gidMapped) return { err: 'EPERM' }; // one write only
  if (!capable(t.creds, ns, 'CAP_SYS_ADMIN')) return { err: 'EPERM' };
  if (which === 'uid') {
    // K: the caller's euid as the parent sees it; the owner may map just itself.
    const k = fromKuidMunged(parent, t.creds.euid);
    // verify_root_map: writing one's own map onto the parent's uid 0 needs the creator to have held
    // CAP_SETFCAP when it made the namespace.
    if (k === 0 && !ns.parentCouldSetfcap) return { err: 'EPERM' };
    const lower = makeKuid(parent, k);
    const own = ns.owner === t.creds.euid && lower === t.creds.euid;
    if (!own && !capable(t.creds, parent, 'CAP_SETUID')) return { err: 'EPERM' };
    if (lower === null) return { err: 'EPERM' }; // map_id_range_down finds no kernel id
    ns.uidMap = lower;
  } else {
    const lowerValid = kgidRootHasMapping(parent); // K is the caller's gid as the parent sees it
    const own = ns.owner === t.creds.euid && !ns.setgroupsAllowed && lowerValid;
    if (!own && !capable(t.creds, parent, 'CAP_SETGID')) return { err: 'EPERM' };
    if (!lowerValid) return { err: 'EPERM' };
    ns.gidMapped = true;
  }
  return null;
}

// What `unshare -r` writes: "deny" to /proc/self/setgroups, then uid_map, then gid_map. Each write
// that succeeded stays when a later one fails.
export function sysMapRoot(s: ModelState, t: Task): Observation {
  const self = taskByPid(s, t.tgid) ?? t; // /proc/self is the thread-group leader
  const ns = self.creds.userNs;
  // Opening the three mode 0644 files for writing: DAC, then proc_setgroups_open's CAP_SYS_ADMIN.
  if (!procFileMayWrite(t.creds, self)) return { err: 'EACCES' };
  if (!capable(t.creds, ns, 'CAP_SYS_ADMIN')) return { err: 'EACCES' };
  // proc_setgroups_write("deny"): not once gid_map is written (init_user_ns always has one).
  if (ns.parent === null || ns.gidMapped) return { err: 'EPERM' };
  ns.setgroupsAllowed = false;
  return mapWrite(t, ns, 'uid') ?? mapWrite(t, ns, 'gid') ?? { ret: 0 };
}
