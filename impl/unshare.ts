// unshare() (kernel/fork.c: ksys_unshare -> check_unshare_flags -> unshare_userns ->
// unshare_nsproxy_namespaces). A new time namespace becomes the caller's tfc only: its clocks do not
// move until it enters (fork, exec, setns).
import { CLONE_FLAGS, type Errno } from '../vocab/index.ts';
import { capBit, commitCreds, nsCapable, prepareCredsInNewUserNs, putCred, type Cred } from './cred.ts';
import { createNewNamespaces, switchTaskNamespaces } from './nsproxy.ts';
import { currentIsSingleThreaded, threadGroupEmpty, type Kernel, type Task } from './sched.ts';

const { CLONE_NEWTIME, CLONE_VM, CLONE_FS, CLONE_SIGHAND, CLONE_THREAD, CLONE_NEWUSER } = CLONE_FLAGS;
/** Every flag unshare knows: THREAD|FS|NEWNS|SIGHAND|VM|FILES|SYSVSEM|NEWUTS|NEWIPC|NEWNET|NEWUSER|
 *  NEWPID|NEWCGROUP|NEWTIME. CLONE_VFORK is not among them. */
const UNSHARE_KNOWN = 0x00010000 | 0x00000200 | 0x00020000 | 0x00000800 | 0x00000100 | 0x00000400 | 0x00040000 |
  0x04000000 | 0x08000000 | 0x40000000 | 0x10000000 | 0x20000000 | 0x02000000 | 0x00000080;

/** check_unshare_flags(). */
function checkUnshareFlags(me: Task, flags: number): Errno | null {
  if (flags & ~UNSHARE_KNOWN) return 'EINVAL';
  if (flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)) {
    if (!threadGroupEmpty(me)) return 'EINVAL';
  }
  if (flags & (CLONE_SIGHAND | CLONE_VM)) {
    // sighand is shared by every unreleased task of the group.
    if (me.group.threads.size > 1) return 'EINVAL';
  }
  if (flags & CLONE_VM) {
    if (!currentIsSingleThreaded(me)) return 'EINVAL';
  }
  return null;
}

export function sysUnshare(k: Kernel, me: Task, requested: number): Errno | null {
  let flags = requested;
  if (flags & CLONE_NEWUSER) flags |= CLONE_THREAD | CLONE_FS;
  if (flags & CLONE_VM) flags |= CLONE_SIGHAND;
  if (flags & CLONE_SIGHAND) flags |= CLONE_THREAD;
  const err = checkUnshareFlags(me, flags);
  if (err !== null) return err;

  // unshare_userns(): new creds in a new user namespace, every capability there.
  let newCred: Cred | null = null;
  if (flags & CLONE_NEWUSER) {
    const cred = prepareCredsInNewUserNs(k, me.cred);
    if (typeof cred === 'string') return cred;
    newCred = cred;
  }

  // unshare_nsproxy_namespaces(): judged with the current (old) creds against the new user ns.
  let newNsproxy = null;
  if (flags & CLONE_NEWTIME) {
    const userNs = newCred !== null ? newCred.userNs : me.cred.userNs;
    if (!nsCapable(me, userNs, capBit('CAP_SYS_ADMIN'))) {
      if (newCred !== null) putCred(k, newCred);
      return 'EPERM';
    }
    const p = createNewNamespaces(k, flags, me, userNs, me.cred.uid);
    if (p === 'ENOSPC') {
      if (newCred !== null) putCred(k, newCred);
      return p;
    }
    newNsproxy = p;
  }

  if (newCred !== null) commitCreds(k, me, newCred);
  if (newNsproxy !== null) switchTaskNamespaces(k, me, newNsproxy);
  return null;
}
