// Credential syscalls (kernel/sys.c: __sys_setresuid; kernel/capability.c: capset) and the id-map
// writes of `unshare -r` (kernel/user_namespace.c: proc_setgroups_write, map_write,
// new_idmap_permitted, verify_root_map). Gids never change in this world: setuid is setresuid only.
import type { CapName, Errno } from '../vocab/index.ts';
import { capBit, capCapable, capMask, commitCreds, nsCapable, prepareCreds } from './cred.ts';
import { procWritePermitted } from './proc_timens.ts';
import type { Kernel, Task } from './sched.ts';
import { fromKgid, fromKuid, makeKgid, makeKuid, type UserNamespace } from './user_namespace.ts';

/** setresuid(u, u, u) with cap_emulate_setxuid(). */
export function sysSetresuid(k: Kernel, me: Task, uid: number): Errno | null {
  const u = uid >>> 0;
  if (u === 0xffffffff) return null; // (uid_t)-1 everywhere: nothing to change
  const old = me.cred;
  const kuid = makeKuid(old.userNs, u);
  if (kuid === -1) return 'EINVAL';
  if (kuid === old.uid) return null;
  if (!nsCapable(me, old.userNs, capBit('CAP_SETUID'))) return 'EPERM';
  const cred = prepareCreds(old);
  cred.uid = kuid;
  const root = makeKuid(old.userNs, 0);
  // Leaving root clears permitted and effective, becoming root sets effective to permitted (INVALID_UID is no kuid).
  if (old.uid === root && kuid !== root) cred.permitted = cred.effective = 0;
  if (old.uid !== root && kuid === root) cred.effective = cred.permitted;
  commitCreds(k, me, cred);
  return null;
}

/** capset(): drop from effective and permitted; shrinking never fails. */
const PR_GET_DUMPABLE = 3;
const PR_SET_DUMPABLE = 4;
const SUID_DUMP_DISABLE = 0;
const SUID_DUMP_USER = 1;

/** prctl() for the dumpable options (kernel/sys.c): set_dumpable(mm, arg2) of 0 or 1 only; get_dumpable. */
export function sysPrctl(me: Task, option: number, arg2: number): number | 'EINVAL' {
  const mm = me.mm!;
  switch (option) {
    case PR_GET_DUMPABLE: return mm.dumpable ? SUID_DUMP_USER : SUID_DUMP_DISABLE;
    case PR_SET_DUMPABLE:
      if (arg2 !== SUID_DUMP_DISABLE && arg2 !== SUID_DUMP_USER) return 'EINVAL';
      mm.dumpable = arg2 === SUID_DUMP_USER;
      return 0;
    default: return 'EINVAL';
  }
}

export function sysDropCaps(k: Kernel, me: Task, caps: CapName[]): null {
  const m = capMask(caps);
  const cred = prepareCreds(me.cred);
  cred.effective &= ~m;
  cred.permitted &= ~m;
  commitCreds(k, me, cred);
  return null;
}

/** new_idmap_permitted() for the single extent "0 lower 1". */
function newIdmapPermitted(me: Task, ns: UserNamespace, setuid: boolean, lower: number): boolean {
  const cred = me.cred;
  // verify_root_map(): mapping the parent's root needs CAP_SETFCAP at creation.
  if (setuid && lower === 0 && ns === cred.userNs && !ns.parentCouldSetfcap) return false;
  if (ns.owner === cred.uid) {
    if (setuid && makeKuid(ns.parent!, lower) === cred.uid) return true;
    if (!setuid && ns.setgroupsDenied && makeKgid(ns.parent!, lower) === cred.gid) return true;
  }
  const cap = capBit(setuid ? 'CAP_SETUID' : 'CAP_SETGID');
  return capCapable(cred, ns.parent!, cap);
}

/** map_write() of "0 lower 1" to uid_map or gid_map of the caller's own namespace. */
function mapWrite(me: Task, ns: UserNamespace, setuid: boolean): Errno | null {
  if ((setuid ? ns.uidMap : ns.gidMap) !== null) return 'EPERM';
  if (!capCapable(me.cred, ns, capBit('CAP_SYS_ADMIN'))) return 'EPERM';
  // What `unshare -r` writes: its euid/egid as the parent namespace sees them (overflow if unmapped).
  let lower = setuid ? fromKuid(ns.parent!, me.cred.uid) : fromKgid(ns.parent!, me.cred.gid);
  if (lower === -1) lower = 65534;
  if (!newIdmapPermitted(me, ns, setuid, lower)) return 'EPERM';
  const kid = setuid ? makeKuid(ns.parent!, lower) : makeKgid(ns.parent!, lower);
  if (kid === -1) return 'EPERM';
  if (setuid) ns.uidMap = kid;
  else ns.gidMap = kid;
  return null;
}

/** "deny" > /proc/self/setgroups, "0 K 1" > uid_map, "0 G 1" > gid_map; stops at the first error. */
export function sysMapRoot(me: Task): Errno | null {
  // /proc/self is the thread-group leader, a zombie once it has exited before this thread; the map
  // files name its user namespace and belong to its task_dump_owner.
  const self = me.group.leader;
  const ns = self.cred.userNs;
  // The /proc/self files are 0644 and owned per task_dump_owner, like timens_offsets.
  if (!procWritePermitted(me, self)) return 'EACCES';
  // proc_setgroups_open(): writing needs CAP_SYS_ADMIN in the namespace.
  if (!nsCapable(me, ns, capBit('CAP_SYS_ADMIN'))) return 'EACCES';
  // proc_setgroups_write("deny"): refused once gid_map is written (always, in the initial ns).
  if (ns.gidMap !== null) return 'EPERM';
  ns.setgroupsDenied = true;
  // proc_uid_map_write(): the initial namespace has no parent.
  if (ns.parent === null) return 'EPERM';
  const err = mapWrite(me, ns, true);
  if (err !== null) return err;
  return mapWrite(me, ns, false);
}
