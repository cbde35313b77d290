// Credential corners the generated programs seldom reach, run on model and impl in lock-step (every
// observation and abstract state compared) with the decisive observation pinned from kernel sources
// (and measured on 6.18 with `timens run FILE --side kernel`).
import { expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import type { Observation, Step } from '../../vocab/index.ts';

const agreed = (steps: Step[]): Observation[] => agreeing(steps, 'creds-corners');

it('/proc files of a non-dumpable task whose mm belongs to a namespace without uid 0 are owned by global root', () => {
  // task_dump_owner: make_kuid(mm->user_ns, 0) is not valid there, so GLOBAL_ROOT_UID owns them; root
  // without CAP_DAC_OVERRIDE may still open them for writing, uid 5 may not.
  const obs = agreed([
    { task: 't0', call: 'fork', child: 't1' },
    { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
    { task: 't1', call: 'exec' },
    { task: 't1', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 0 },
    { task: 't0', call: 'drop_caps', caps: ['CAP_DAC_OVERRIDE'] },
    { task: 't0', call: 'open', target: 't1', file: 'timens_offsets', mode: 'w', fd: 'f1' },
    { task: 't0', call: 'setuid', uid: 5 },
    { task: 't0', call: 'open', target: 't1', file: 'timens_offsets', mode: 'w', fd: 'f2' },
  ]);
  expect(obs[5]).toEqual({ ret: 0, handle: 'f1' });
  expect(obs[7]).toEqual({ err: 'EACCES' });
});

it('setuid to the highest valid uid succeeds in the initial namespace', () => {
  // make_kuid in init_user_ns maps every uid but (uid_t)-1, which uid_valid refuses.
  const obs = agreed([
    { task: 't0', call: 'fork', child: 't1' },
    { task: 't1', call: 'setuid', uid: 4294967294 },
    { task: 't0', call: 'drop_caps', caps: ['CAP_SYS_PTRACE'] },
    { task: 't0', call: 'readlink', target: 't1', link: 'time' },
  ]);
  expect(obs[1]).toEqual({ ret: 0 });
  expect(obs[3]).toEqual({ err: 'EACCES' });
});

it('entering a user namespace that another uid owns makes the mm non-dumpable; one the caller owns does not', () => {
  // commit_creds: across namespaces cred_cap_issubset(old, new) holds only when the old euid owns the new
  // namespace (or an ancestor of it whose parent is the old one); otherwise the new creds count as a
  // capability gain and set_dumpable(mm, suid_dumpable), 0 by default.
  const enter = (owner: number) => agreed([
    { task: 't0', call: 'fork', child: 't1' },
    { task: 't1', call: 'setuid', uid: owner },
    { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
    { task: 't0', call: 'open', target: 't1', file: 'ns/user', mode: 'r', fd: 'f0' },
    { task: 't0', call: 'setns', fd: 'f0', nstype: ['CLONE_NEWUSER'] },
    { task: 't0', call: 'prctl', option: 'PR_GET_DUMPABLE' },
  ]);
  const other = enter(5);
  expect(other[4]).toEqual({ ret: 0 });
  expect(other[5]).toEqual({ ret: 0 });
  const own = enter(0);
  expect(own[4]).toEqual({ ret: 0 });
  expect(own[5]).toEqual({ ret: 1 });
});

it('a thread whose leader has exited is alone in its process and may enter a time namespace', () => {
  // timens_install -> current_is_single_threaded: signal->live counts live threads only, and the zombie
  // leader dropped its mm at exit_mm, so mm_users is 1. While the leader lives the thread gets EUSERS.
  const obs = agreed([
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'open', target: 't0', file: 'ns/time_for_children', mode: 'r', fd: 'f0' },
    { task: 't0', call: 'readlink', target: 't0', link: 'time_for_children' },
    { task: 't0', call: 'thread', child: 't1' },
    { task: 't1', call: 'setns', fd: 'f0', nstype: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'exit' },
    { task: 't1', call: 'setns', fd: 'f0', nstype: ['CLONE_NEWTIME'] },
    { task: 't1', call: 'readlink', target: 't1', link: 'time' },
  ]);
  expect(obs[4]).toEqual({ err: 'EUSERS' });
  expect(obs[6]).toEqual({ ret: 0 });
  expect(obs[7].link).toBe(obs[2].link);
  expect(obs[7].link).not.toBe('time:[4026531834]');
});
