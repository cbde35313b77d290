// Credential and user-namespace corners run on impl and model side by side (observations and states
// compared): cap_capable's owner rule, __ptrace_may_access's uid and dumpability checks (also for a
// zombie and for a task whose dumpability changed before an exec), create_user_ns's mapping check and
// nesting limit, from_kuid_munged, root of a namespace mapped to kuid 1 at exec, and the lifetime of
// a user namespace held by the creds of several tasks.
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import type { Observation, Step } from '../../vocab/index.ts';

const agree = (steps: Step[]): Observation[] => agreeing(steps, 'cred-corners');

/** t1 is uid 1000 (no capabilities) in a user namespace of its own, mapped 0 -> 1000. */
const uid1000Ns: Step[] = [
  { task: 't0', call: 'fork', child: 't1' },
  { task: 't1', call: 'setuid', uid: 1000 },
  // Dumpable again, so that t1 owns its /proc files and may write its maps.
  { task: 't1', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 1 },
  { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
  { task: 't1', call: 'map_root' },
];

describe('cap_capable', () => {
  it('the owner rule needs the owner\'s kuid: root without CAP_SYS_ADMIN may not enter a namespace uid 1000 made', () => {
    const obs = agree([
      ...uid1000Ns,
      // t3: kuid 0 inside t1's namespace (setns keeps the kuid).
      { task: 't0', call: 'fork', child: 't3' },
      { task: 't3', call: 'pidfd_open', target: 't1', fd: 'f1' },
      { task: 't3', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWUSER'] },
      { task: 't0', call: 'fork', child: 't4' },
      { task: 't4', call: 'drop_caps', caps: ['CAP_SYS_ADMIN'] },
      { task: 't4', call: 'pidfd_open', target: 't3', fd: 'f2' },
      { task: 't4', call: 'setns', fd: 'f2', nstype: ['CLONE_NEWUSER'] },
    ]);
    expect(obs.at(-1)).toEqual({ err: 'EPERM' });
  });
  it('the owner rule holds only for a child of the caller\'s namespace: a sibling\'s child owned by the same kuid is out of reach', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'map_root' },
      { task: 't0', call: 'fork', child: 't2' },
      { task: 't2', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't2', call: 'map_root' },
      { task: 't2', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'pidfd_open', target: 't2', fd: 'f1' },
      { task: 't1', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWUSER'] },
    ]);
    expect(obs.at(-1)).toEqual({ err: 'EPERM' });
  });
  it('entering a namespace another uid made is a gain of capabilities: the mm becomes non-dumpable', () => {
    const obs = agree([
      ...uid1000Ns,
      { task: 't0', call: 'fork', child: 't3' },
      { task: 't3', call: 'pidfd_open', target: 't1', fd: 'f1' },
      { task: 't3', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWUSER'] },
      { task: 't3', call: 'prctl', option: 'PR_GET_DUMPABLE' },
    ]);
    expect(obs.at(-1)).toMatchObject({ ret: 0 });
  });
});

describe('__ptrace_may_access', () => {
  it('another uid and no CAP_SYS_PTRACE: EACCES even for a dumpable target with fewer capabilities', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'setuid', uid: 1000 },
      { task: 't1', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 1 },
      { task: 't0', call: 'fork', child: 't2' },
      { task: 't2', call: 'drop_caps', caps: ['CAP_SYS_PTRACE'] },
      { task: 't2', call: 'open', target: 't1', file: 'ns/user', mode: 'r', fd: 'f1' },
    ]);
    expect(obs.at(-1)).toEqual({ err: 'EACCES' });
  });
  it('a zombie that was not dumpable at exit: EACCES without CAP_SYS_PTRACE', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'setuid', uid: 1000 },
      { task: 't1', call: 'exit' },
      { task: 't0', call: 'fork', child: 't2' },
      { task: 't2', call: 'setuid', uid: 1000 },
      { task: 't2', call: 'open', target: 't1', file: 'ns/user', mode: 'r', fd: 'f1' },
    ]);
    expect(obs.at(-1)).toEqual({ err: 'EACCES' });
  });
  it('a live task that was not dumpable before its exec is dumpable again: same uid opens it', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'setuid', uid: 1000 },
      { task: 't1', call: 'exec' },
      { task: 't0', call: 'fork', child: 't2' },
      { task: 't2', call: 'setuid', uid: 1000 },
      { task: 't2', call: 'open', target: 't1', file: 'ns/user', mode: 'r', fd: 'f1' },
    ]);
    expect(obs.at(-1)).toMatchObject({ ret: 0 });
  });
});

describe('create_user_ns', () => {
  it('a creator whose uid is unmapped but whose gid is mapped: EPERM', () => {
    const obs = agree([
      ...uid1000Ns,
      { task: 't0', call: 'fork', child: 't3' },
      { task: 't3', call: 'pidfd_open', target: 't1', fd: 'f1' },
      { task: 't3', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWUSER'] },
      { task: 't3', call: 'unshare', flags: ['CLONE_NEWUSER'] },
    ]);
    expect(obs.at(-1)).toEqual({ err: 'EPERM' });
  });
  it('nesting stops below level 33: the 34th unshare is ENOSPC', () => {
    const steps: Step[] = [];
    for (let i = 0; i < 34; i++) steps.push({ task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] }, { task: 't0', call: 'map_root' });
    const obs = agree(steps);
    expect(obs[2 * 32]).toEqual({ ret: 0 });
    expect(obs[2 * 33]).toEqual({ err: 'ENOSPC' });
  });
});

describe('ids seen from a namespace', () => {
  it('NS_GET_OWNER_UID of a namespace whose owner is unmapped here is the overflow uid', () => {
    const obs = agree([
      { task: 't0', call: 'open', target: 't0', file: 'ns/user', mode: 'r', fd: 'f1' },
      ...uid1000Ns,
      { task: 't1', call: 'ioctl', fd: 'f1', request: 'NS_GET_OWNER_UID' },
    ]);
    expect(obs[5]).toEqual({ ret: 0 }); // map_root
    expect(obs.at(-1)).toMatchObject({ uid: 65534 });
  });
  it('root of a namespace mapped to kuid 1 gets its bounding set at exec', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'setuid', uid: 1 },
      { task: 't1', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 1 },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'map_root' },
      { task: 't1', call: 'drop_caps', caps: ['CAP_SYS_ADMIN'] },
      { task: 't1', call: 'exec' },
    ]);
    expect(obs[4]).toEqual({ ret: 0 }); // map_root
  });
  it('a user namespace held by a cred shared with a thread and an open file goes when the last holder is reaped', () => {
    agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'thread', child: 't2' },
      { task: 't1', call: 'open', target: 't1', file: 'ns/time', mode: 'r', fd: 'f1' },
      { task: 't1', call: 'close', fd: 'f1' },
      { task: 't2', call: 'exit' },
      { task: 't1', call: 'exit' },
      { task: 't0', call: 'wait', child: 't1' },
    ]);
  });
});
