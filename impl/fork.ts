// Process and thread creation (kernel/fork.c: copy_process). The order of the checks and of the
// copies is the kernel's: flag validation, copy_creds (which may create a user namespace), copy_mm,
// copy_namespaces (which may create a time namespace and enters the tfc when the child gets its own
// mm), and only then is the child made visible.
import { CLONE_FLAGS, SIGCHLD, type Errno, type TaskHandle } from '../vocab/index.ts';
import { capBit, getCred, nsCapable, prepareCreds, prepareCredsInNewUserNs, putCred, type Cred } from './cred.ts';
import { dupFd } from './files.ts';
import { createNewNamespaces, getNsproxy, timensOnFork, type Nsproxy } from './nsproxy.ts';
import type { Kernel, MmStruct, Task, ThreadGroup } from './sched.ts';

const { CLONE_NEWTIME, CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_VFORK, CLONE_THREAD, CLONE_NEWUSER } = CLONE_FLAGS;
/** Namespace flags that make copy_namespaces build a new nsproxy (only these two reach us). */
const CLONE_NEWNS_ANY = CLONE_NEWTIME | CLONE_FLAGS.CLONE_NEWNS;

/** The flags pthread_create passes (CLONE_THREAD in a program implies them). */
export const THREAD_FLAGS = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;

/** copy_creds(): threads share the parent's cred; anyone else gets a copy, in a new user namespace
 *  with every capability when CLONE_NEWUSER is given. */
function copyCreds(k: Kernel, parent: Task, flags: number): Cred | Errno {
  if (!(flags & CLONE_NEWUSER) && (flags & CLONE_THREAD)) return getCred(parent.cred);
  return flags & CLONE_NEWUSER ? prepareCredsInNewUserNs(k, parent.cred) : prepareCreds(parent.cred);
}

/** copy_namespaces(): share the parent's nsproxy unless a namespace flag is given, or a child with
 *  its own mm must enter a pending tfc. */
function copyNamespaces(k: Kernel, parent: Task, child: Task, flags: number): Nsproxy | Errno {
  const old = parent.nsproxy!;
  const switchAtExec = k.features.fsExecSwitchTimensOnNewMm;
  if (!(flags & CLONE_NEWNS_ANY)) {
    // Fast path: the child shares the parent's bundle, one reference, no copy. (Before 2b5f9dad32ed a
    // CLONE_VM child cannot get here with time != tfc: copy_process refused it.)
    if (((flags & CLONE_VM) && switchAtExec) || old.timeNsForChildren === old.timeNs) return getNsproxy(old);
  } else if (!nsCapable(parent, child.cred.userNs, capBit('CAP_SYS_ADMIN'))) {
    return 'EPERM';
  }
  const next = createNewNamespaces(k, flags, parent, child.cred.userNs, parent.cred.uid);
  if (next === 'ENOSPC') return next;
  // Before 2b5f9dad32ed every new nsproxy enters its tfc, so a clone3(CLONE_NEWTIME|CLONE_VM) child
  // lives in the new namespace while its parent, sharing the mm, does not.
  if (!(flags & CLONE_VM) || !switchAtExec) timensOnFork(k, next, child);
  return next;
}

/** copy_process() and wake_up_new_task(): returns the child or the errno. */
export function copyProcess(k: Kernel, parent: Task, flags: number, handle: TaskHandle, exitSignal = SIGCHLD): Task | Errno {
  if ((flags & (CLONE_NEWUSER | CLONE_FS)) === (CLONE_NEWUSER | CLONE_FS)) return 'EINVAL';
  if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) return 'EINVAL';
  if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)) return 'EINVAL';
  if ((flags & CLONE_THREAD) && (flags & CLONE_NEWUSER)) return 'EINVAL';
  // Before 2b5f9dad32ed: "If the new process will be in a different time namespace do not allow it to
  // share VM or a thread group with the forking task."
  if (!k.features.fsExecSwitchTimensOnNewMm && (flags & (CLONE_THREAD | CLONE_VM))) {
    const p = parent.nsproxy!;
    if (p.timeNs !== p.timeNsForChildren) return 'EINVAL';
  }

  const cred = copyCreds(k, parent, flags);
  if (typeof cred === 'string') return cred;

  const pmm = parent.mm!;
  const mm: MmStruct = flags & CLONE_VM
    ? pmm
    : { users: new Set(), dumpable: pmm.dumpable, userNs: pmm.userNs, vvar: pmm.vvar, timensSlot: pmm.timensSlot };

  const child: Task = {
    handle, pid: 0, group: parent.group, state: 'running', cred, nsproxy: null, mm,
    files: null, vforkParent: null, userDumpable: true, waiting: null,
    exitSignal: flags & CLONE_THREAD ? -1 : exitSignal, exitCode: 0, startBoottime: k.host.boottime,
  };
  const nsproxy = copyNamespaces(k, parent, child, flags);
  if (typeof nsproxy === 'string') {
    putCred(k, cred);
    return nsproxy;
  }
  child.nsproxy = nsproxy;

  // Past the last failure point: make the child visible.
  child.pid = k.nextPid++;
  mm.users.add(child);
  if (flags & CLONE_THREAD) {
    parent.group.threads.add(child);
    parent.group.live++;
  } else {
    const group: ThreadGroup = { leader: child, threads: new Set([child]), live: 1, parent: parent.group, children: new Set(), timers: new Set(), sigQueue: new Set(), groupExitCode: null, cutime: 0n, cstime: 0n };
    child.group = group;
    parent.group.children.add(group);
  }
  if (flags & CLONE_FILES) {
    child.files = parent.files!;
    child.files.count++;
  } else {
    child.files = dupFd(parent.files!);
  }
  if (flags & CLONE_VFORK) {
    child.vforkParent = parent;
    parent.state = 'blocked';
  }
  k.pidHash.set(child.pid, child);
  k.tasks.set(handle, child);
  k.lastPid.set(handle, child.pid);
  return child;
}
