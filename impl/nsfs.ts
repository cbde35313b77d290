// nsfs (fs/nsfs.c, fs/proc/namespaces.c): opening /proc/PID/ns/* and readlink of the time links,
// the NS_GET_* ioctls, and pidfd_open (kernel/pid.c). The ns links need ptrace read access to the
// target; a task that has exited has no nsproxy, so its time links are gone (its creds, and with them
// its user namespace, stay until it is reaped).
import { CLONE_FLAGS, type Errno, type NsIoctl, type ProcFile } from '../vocab/index.ts';
import { ptraceMayAccess } from './cred.ts';
import { allocFile } from './files.ts';
import type { File, Kernel, Task } from './sched.ts';
import { getTimeNs } from './time_namespace.ts';
import { fromKuidMunged, getUserNs, type UserNamespace } from './user_namespace.ts';

/** proc_ns_get_link() -> ns_get_path(): the file for /proc/PID/ns/<name>. */
export function nsOpen(me: Task, target: Task, name: ProcFile): File | Errno {
  if (!ptraceMayAccess(me, target, true)) return 'EACCES';
  if (name === 'ns/user') return allocFile(me.cred, { kind: 'nsfs', time: null, user: getUserNs(target.cred.userNs) });
  const p = target.nsproxy;
  if (p === null) return 'ENOENT';
  const ns = name === 'ns/time' ? p.timeNs : p.timeNsForChildren;
  return allocFile(me.cred, { kind: 'nsfs', time: getTimeNs(ns), user: null });
}

/** proc_ns_readlink() -> ns_get_name(): "time:[inum]" for both links (real_ns_name). */
export function nsReadlink(me: Task, target: Task, link: 'time' | 'time_for_children'): string | Errno {
  if (!ptraceMayAccess(me, target, true)) return 'EACCES';
  const p = target.nsproxy;
  if (p === null) return 'ENOENT';
  const ns = link === 'time' ? p.timeNs : p.timeNsForChildren;
  return `time:[${ns.inum}]`;
}

/** ns_get_owner(): the owner, if it is the caller's user namespace or below it. */
function nsGetOwner(me: Task, owner: UserNamespace | null): UserNamespace | 'EPERM' {
  for (let p = owner; p !== null; p = p.parent) {
    if (p === me.cred.userNs) return owner!;
  }
  return 'EPERM';
}

export type IoctlResult = { ret: number } | { uid: number } | { file: File } | Errno;

/** ns_ioctl(). Only nsfs files answer; a pidfd gives what its release's pidfs gives to an unknown
 *  command (impl/features.ts), anything else has no ioctl (ENOTTY). */
export function nsIoctl(me: Task, file: File, request: NsIoctl, pidfdUnknown: Errno = 'ENOTTY'): IoctlResult {
  const f = file.f;
  if (f.kind === 'pidfd') return pidfdUnknown;
  if (f.kind !== 'nsfs') return 'ENOTTY';
  switch (request) {
    case 'NS_GET_USERNS':
    case 'NS_GET_PARENT': {
      // Time namespaces have no parent; a user namespace's parent and owner are the same.
      if (request === 'NS_GET_PARENT' && f.time !== null) return 'EINVAL';
      const owner = f.time !== null ? f.time.owner : f.user!.parent;
      const ns = nsGetOwner(me, owner);
      if (ns === 'EPERM') return ns;
      return { file: allocFile(me.cred, { kind: 'nsfs', time: null, user: getUserNs(ns) }) };
    }
    case 'NS_GET_NSTYPE':
      return { ret: f.time !== null ? CLONE_FLAGS.CLONE_NEWTIME : CLONE_FLAGS.CLONE_NEWUSER };
    case 'NS_GET_OWNER_UID':
      if (f.user === null) return 'EINVAL';
      return { uid: fromKuidMunged(me.cred.userNs, f.user.owner) };
  }
  return 'ENOTTY';
}

/** pidfd_open(pid, 0): ESRCH for a pid with no task, ENOENT unless it is a thread-group leader
 *  (pidfd_prepare; Linux 6.18 answers ENOENT there, checked on the running kernel). */
export function pidfdOpen(k: Kernel, me: Task, pid: number | undefined, target: string): File | Errno {
  const t = pid === undefined ? undefined : k.pidHash.get(pid);
  if (t === undefined) return 'ESRCH';
  if (t.group.leader !== t) return k.features.pidfdOpenNotLeader;
  return allocFile(me.cred, { kind: 'pidfd', pid: t.pid, target });
}
