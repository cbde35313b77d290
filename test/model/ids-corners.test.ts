// setuid and map_root where the caller's euid is not its user namespace's root, run on model and impl
// in lock-step, with the decisive observations taken from kernel/sys.c (__sys_setresuid),
// security/commoncap.c (cap_emulate_setxuid) and kernel/user_namespace.c (new_idmap_permitted).
import { expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import type { Observation, Step } from '../../vocab/index.ts';

const agreed = (steps: Step[]): Observation[] => agreeing(steps, 'ids-corners');

// t1 leaves root for uid 5, makes a user namespace and maps its uid 0 to kuid 5 (unshare -r).
// /proc/self of a task whose euid changed is root's until it is made dumpable again.
const namespaceOfUid5: Step[] = [
  { task: 't0', call: 'fork', child: 't1' },
  { task: 't1', call: 'setuid', uid: 5 },
  { task: 't1', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 1 },
  { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
  { task: 't1', call: 'map_root' },
];

it('setuid(0) by a task whose euid is not the namespace root keeps its capabilities', () => {
  // t0 (kuid 0) enters the namespace whose uid 0 is kuid 5. setresuid(0,0,0) names kuid 5, a new id,
  // so it needs CAP_SETUID there, which t0 holds. cap_emulate_setxuid: none of the old ids is kuid 5,
  // so nothing is dropped, and becoming euid root sets effective to permitted: every capability.
  const obs = agreed([
    ...namespaceOfUid5,
    { task: 't0', call: 'open', target: 't1', file: 'ns/user', mode: 'r', fd: 'f0' },
    { task: 't0', call: 'setns', fd: 'f0', nstype: ['CLONE_NEWUSER'] },
    { task: 't0', call: 'setuid', uid: 0 },
    // CAP_SYS_ADMIN over the namespace is still effective.
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] },
  ]);
  expect(obs[4]).toEqual({ ret: 0 });
  expect(obs[6]).toEqual({ ret: 0 });
  expect(obs[7]).toEqual({ ret: 0 });
  expect(obs[8]).toEqual({ ret: 0 });
  expect(obs[9]).toEqual({ ret: 0 });
});

it('leaving root empties the permitted set as well, so a task of the same uid may read its links', () => {
  // cap_emulate_setxuid: one of the old ids was root and none of the new ones is, so permitted and
  // effective are cleared. Then t0 and t1 both run as uid 5 with no capabilities: t1's permitted set
  // is a subset of t0's effective one (cap_ptrace_access_check) and t1 is dumpable again.
  const obs = agreed([
    { task: 't0', call: 'fork', child: 't1' },
    { task: 't1', call: 'setuid', uid: 5 },
    { task: 't1', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 1 },
    { task: 't0', call: 'setuid', uid: 5 },
    { task: 't0', call: 'readlink', target: 't1', link: 'time' },
  ]);
  expect(obs[3]).toEqual({ ret: 0 });
  expect(obs[4]).toEqual({ ret: 17, link: 'time:[4026531834]' });
});

it('map_root by a task that neither owns the namespace nor has a uid in its parent is refused', () => {
  // t1 (kuid 5) makes a second namespace inside its first; t0 (kuid 0) enters it with its
  // capabilities from the initial namespace and writes "0 65534 1": kuid 0 has no uid in the parent,
  // so K is the overflow uid. new_idmap_permitted: the namespace's owner is kuid 5, not t0's euid,
  // and from inside it t0 has no CAP_SETUID over the parent.
  const obs = agreed([
    ...namespaceOfUid5,
    { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
    { task: 't0', call: 'open', target: 't1', file: 'ns/user', mode: 'r', fd: 'f0' },
    { task: 't0', call: 'setns', fd: 'f0', nstype: ['CLONE_NEWUSER'] },
    { task: 't0', call: 'map_root' },
  ]);
  expect(obs[4]).toEqual({ ret: 0 });
  expect(obs[5]).toEqual({ ret: 0 });
  expect(obs[7]).toEqual({ ret: 0 });
  expect(obs[8]).toEqual({ err: 'EPERM' });
});
