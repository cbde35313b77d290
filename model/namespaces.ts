// Entering and naming namespaces: unshare (kernel/fork.c: ksys_unshare), setns (kernel/nsproxy.c,
// timens_install in kernel/time/namespace.c, userns_install in kernel/user_namespace.c), the nsfs
// ioctls (fs/nsfs.c) and the /proc/PID/ns links (fs/proc/namespaces.c).
import { CLONE_FLAGS as F, type CloneFlagName, type FdHandle, type NsIoctl, type Observation } from '../vocab/index.ts';
import {
  capable, commitCreds, copyCreds, currentIsSingleThreaded, fromKuidMunged, fullCaps, isSameOrAncestor,
  ptraceMayAccess, threadGroupEmpty,
} from './creds.ts';
import { cloneTimeNs, createUserNs, timensFreeze } from './lifetime.ts';
import { kernelChanges } from './profile.ts';
import { cloneFlags } from './tasks.ts';
import { fdLookup, processOf, taskByPid, type Creds, type FdEntry, type ModelState, type Task, type TimeNs, type UserNs } from './state.ts';

/** Every flag check_unshare_flags() knows among those a program can pass (CLONE_VFORK is not one). */
const UNSHARE_KNOWN = F.CLONE_THREAD | F.CLONE_FS | F.CLONE_NEWNS | F.CLONE_SIGHAND | F.CLONE_VM
  | F.CLONE_FILES | F.CLONE_NEWUSER | F.CLONE_NEWTIME;

// ksys_unshare -> check_unshare_flags, unshare_userns, unshare_nsproxy_namespaces -> copy_time_ns
export function sysUnshare(s: ModelState, t: Task, names: CloneFlagName[]): Observation {
  let flags = cloneFlags(names);
  if (flags & F.CLONE_NEWUSER) flags |= F.CLONE_THREAD | F.CLONE_FS;
  if (flags & F.CLONE_VM) flags |= F.CLONE_SIGHAND;
  if (flags & F.CLONE_SIGHAND) flags |= F.CLONE_THREAD;
  if (flags & ~UNSHARE_KNOWN) return { err: 'EINVAL' };
  if ((flags & (F.CLONE_THREAD | F.CLONE_SIGHAND | F.CLONE_VM)) && !threadGroupEmpty(s, t)) return { err: 'EINVAL' };
  // sighand->count > 1: only threads share signal handlers here, so this repeats the test above.
  if ((flags & (F.CLONE_SIGHAND | F.CLONE_VM)) && !threadGroupEmpty(s, t)) return { err: 'EINVAL' };
  if ((flags & F.CLONE_VM) && !currentIsSingleThreaded(s, t)) return { err: 'EINVAL' };
  let newCreds: Creds | null = null;
  if (flags & F.CLONE_NEWUSER) {
    const userNs = createUserNs(s, t.creds);
    if (typeof userNs === 'string') return { err: userNs };
    newCreds = { ...copyCreds(t.creds), userNs, effective: fullCaps(), permitted: fullCaps(), bounding: fullCaps() };
  }
  let timeNsForChildren = t.timeNsForChildren!;
  if (flags & F.CLONE_NEWTIME) {
    // Judged on the current (old) creds against the new-or-current user namespace.
    const userNs = newCreds ? newCreds.userNs : t.creds.userNs;
    if (!capable(t.creds, userNs, 'CAP_SYS_ADMIN')) return { err: 'EPERM' };
    const ns = cloneTimeNs(s, userNs, t.creds.euid, t.timeNsForChildren!);
    if (typeof ns === 'string') return { err: ns };
    timeNsForChildren = ns;
  }
  if (newCreds) commitCreds(t, newCreds);
  t.timeNsForChildren = timeNsForChildren; // time_ns stays: the caller is not moved
  return { ret: 0 };
}

// userns_install: the creds the caller would have in ns, or why not.
function usernsInstall(s: ModelState, t: Task, ns: UserNs): Creds | 'EINVAL' | 'EPERM' {
  if (ns === t.creds.userNs) return 'EINVAL'; // no regaining capabilities by re-entering
  if (!threadGroupEmpty(s, t)) return 'EINVAL';
  // fs->users != 1: only threads share an fs_struct here, so the test above covers it.
  if (!capable(t.creds, ns, 'CAP_SYS_ADMIN')) return 'EPERM';
  return { ...copyCreds(t.creds), userNs: ns, effective: fullCaps(), permitted: fullCaps(), bounding: fullCaps() };
}

// timens_install: ns_capable() uses the current creds; nsset->cred->user_ns is the resulting ns.
function timensInstall(s: ModelState, t: Task, ns: TimeNs, resultingUserNs: UserNs): 'EUSERS' | 'EPERM' | null {
  if (!currentIsSingleThreaded(s, t)) return 'EUSERS';
  if (!capable(t.creds, ns.owner, 'CAP_SYS_ADMIN') || !capable(t.creds, resultingUserNs, 'CAP_SYS_ADMIN')) return 'EPERM';
  return null;
}

// commit_nsset: creds first, then timens_commit (freeze) and the switch of both pointers.
function commitNsset(t: Task, creds: Creds | null, timeNs: TimeNs | null): Observation {
  if (creds) commitCreds(t, creds);
  if (timeNs) {
    timensFreeze(timeNs);
    t.timeNs = timeNs;
    t.timeNsForChildren = timeNs;
  }
  return { ret: 0 };
}

// setns(fd, nstype) -> validate_ns (nsfs fd) or check_setns_flags + validate_nsset (pidfd)
export function sysSetns(s: ModelState, t: Task, fd: FdHandle, nstype: CloneFlagName[]): Observation {
  const e = fdLookup(processOf(s, t).fds!, fd);
  if (!e) return { err: 'EBADF' };
  const flags = cloneFlags(nstype);
  const f = e.file;
  if (f.kind === 'timens') {
    if (flags && flags !== F.CLONE_NEWTIME) return { err: 'EINVAL' };
    const why = timensInstall(s, t, f.ns, t.creds.userNs);
    return why ? { err: why } : commitNsset(t, null, f.ns);
  }
  if (f.kind === 'userns') {
    if (flags && flags !== F.CLONE_NEWUSER) return { err: 'EINVAL' };
    const creds = usernsInstall(s, t, f.ns);
    return typeof creds === 'string' ? { err: creds } : commitNsset(t, creds, null);
  }
  if (f.kind !== 'pidfd') return { err: 'EINVAL' };
  if (flags === 0) return { err: 'EINVAL' };
  // validate_nsset: snapshot the target, then install user before time.
  const target = taskByPid(s, f.pid);
  if (!target) return { err: 'ESRCH' };
  if (!ptraceMayAccess(t, target, 'read-realcreds')) return { err: 'EPERM' };
  if (!target.timeNs) return { err: 'ESRCH' }; // exiting: no nsproxy
  let creds: Creds | null = null;
  if (flags & F.CLONE_NEWUSER) {
    const next = usernsInstall(s, t, target.creds.userNs);
    if (typeof next === 'string') return { err: next };
    creds = next;
  }
  let timeNs: TimeNs | null = null;
  if (flags & F.CLONE_NEWTIME) {
    const why = timensInstall(s, t, target.timeNs, (creds ?? t.creds).userNs);
    if (why) return { err: why };
    timeNs = target.timeNs;
  }
  return commitNsset(t, creds, timeNs);
}

// ns_get_owner: the owner, if it is the caller's user namespace or lies below it.
function nsGetOwner(t: Task, owner: UserNs | null): UserNs | null {
  return owner !== null && isSameOrAncestor(t.creds.userNs, owner) ? owner : null;
}

// ns_ioctl (fs/nsfs.c). Other files have no such ioctl: ENOTTY (procfs; a pidfd as its kernel's pidfs
// answers, model/profile.ts pidfdNsIoctl).
export function sysIoctl(s: ModelState, t: Task, fd: FdHandle, request: NsIoctl, result?: FdHandle): Observation {
  const fds = processOf(s, t).fds!;
  const e = fdLookup(fds, fd);
  if (!e) return { err: 'EBADF' };
  const f = e.file;
  if (f.kind === 'pidfd') return { err: kernelChanges(s.env).pidfdNsIoctl };
  if (f.kind !== 'timens' && f.kind !== 'userns') return { err: 'ENOTTY' };
  switch (request) {
    case 'NS_GET_NSTYPE':
      return { ret: f.kind === 'timens' ? F.CLONE_NEWTIME : F.CLONE_NEWUSER };
    case 'NS_GET_OWNER_UID':
      if (f.kind !== 'userns') return { err: 'EINVAL' };
      return { ret: 0, uid: fromKuidMunged(t.creds.userNs, f.ns.owner) };
    case 'NS_GET_PARENT':
      // Time namespaces are not hierarchical; userns_operations.get_parent is ns_get_owner.
      if (f.kind !== 'userns') return { err: 'EINVAL' };
      return openRelatedNs(fds, nsGetOwner(t, f.ns.parent), result);
    case 'NS_GET_USERNS':
      // timens_owner is the owning user namespace; userns_owner is the parent.
      return openRelatedNs(fds, nsGetOwner(t, f.kind === 'timens' ? f.ns.owner : f.ns.parent), result);
  }
}

// open_related_ns: a new O_RDONLY|O_CLOEXEC fd of the user namespace.
function openRelatedNs(fds: FdEntry[], ns: UserNs | null, result?: FdHandle): Observation {
  if (!ns) return { err: 'EPERM' };
  fds.push({ handle: result ?? null, file: { kind: 'userns', ns }, cloexec: true });
  return result === undefined ? { ret: 0 } : { ret: 0, handle: result };
}

function nsOfLink(target: Task, file: 'ns/time' | 'ns/time_for_children' | 'ns/user'): TimeNs | UserNs | null {
  if (file === 'ns/user') return target.creds.userNs; // userns_get works on a zombie's creds
  return file === 'ns/time' ? target.timeNs : target.timeNsForChildren; // timens_get: null once exiting
}

// open("/proc/PID/ns/<file>") -> proc_ns_get_link -> ns_get_path
export function openNsLink(s: ModelState, t: Task, target: Task, file: 'ns/time' | 'ns/time_for_children' | 'ns/user', fd: FdHandle): Observation {
  if (!ptraceMayAccess(t, target, 'read-fscreds')) return { err: 'EACCES' };
  const ns = nsOfLink(target, file);
  if (!ns) return { err: 'ENOENT' };
  const entry = file === 'ns/user'
    ? { handle: fd, file: { kind: 'userns' as const, ns: ns as UserNs }, cloexec: false }
    : { handle: fd, file: { kind: 'timens' as const, ns: ns as TimeNs }, cloexec: false };
  processOf(s, t).fds!.push(entry);
  return { ret: 0, handle: fd };
}

// readlink("/proc/PID/ns/<link>") -> proc_ns_readlink -> ns_get_name: "time:[INUM]" for both links
export function sysReadlink(t: Task, target: Task, link: 'time' | 'time_for_children'): Observation {
  if (!ptraceMayAccess(t, target, 'read-fscreds')) return { err: 'EACCES' };
  const ns = link === 'time' ? target.timeNs : target.timeNsForChildren;
  if (!ns) return { err: 'ENOENT' };
  const text = `time:[${ns.inum}]`;
  return { ret: text.length, link: text };
}
