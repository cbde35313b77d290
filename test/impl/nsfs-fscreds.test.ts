// The ns links of /proc/PID/ns are opened and read with PTRACE_MODE_READ_FSCREDS (fs/proc/namespaces.c):
// cap_ptrace_access_check() then compares the target's permitted set with the caller's effective set,
// not its permitted one. No step makes an effective set smaller than the permitted set (drop_caps
// shrinks both), but Linux has such creds (capset may lower the effective set alone).
import { describe, expect, it } from 'vitest';
import { CAP_FULL, capBit, type Cred } from '../../impl/cred.ts';
import { nsOpen, nsReadlink } from '../../impl/nsfs.ts';
import type { Task } from '../../impl/sched.ts';
import { initUserNs, type UserNamespace } from '../../impl/user_namespace.ts';

const init = initUserNs(96365);

function task(userNs: UserNamespace, effective: number, permitted: number): Task {
  const cred: Cred = { uid: 0, gid: 0, userNs, effective, permitted, bounding: CAP_FULL, count: 2 };
  const timeNs = { inum: 4026531834 };
  return {
    group: {}, cred, mm: { dumpable: true, userNs }, nsproxy: { timeNs, timeNsForChildren: timeNs },
  } as unknown as Task;
}

describe('the ns links with an effective set below the permitted set', () => {
  const target = task(init, CAP_FULL, CAP_FULL);
  // Every capability permitted, all but CAP_SYS_PTRACE effective: the target's permitted set is not a
  // subset of the caller's effective set, and CAP_SYS_PTRACE is not effective either.
  const lowered = task(init, CAP_FULL & ~capBit('CAP_SYS_PTRACE'), CAP_FULL);
  const full = task(init, CAP_FULL, CAP_FULL);
  it('readlink is refused: EACCES', () => {
    expect(nsReadlink(lowered, target, 'time')).toBe('EACCES');
    expect(nsReadlink(full, target, 'time')).toBe('time:[4026531834]');
  });
  it('open is refused: EACCES', () => {
    expect(nsOpen(lowered, target, 'ns/time')).toBe('EACCES');
    expect(nsOpen(full, target, 'ns/time')).toMatchObject({ f: { kind: 'nsfs' } });
  });
});
