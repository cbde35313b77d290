// Credential corners the generated programs seldom reach, run on model and impl in lock-step (every
// observation and abstract state compared) with the decisive observation pinned from kernel sources
// (and measured on 6.18 with `timens run FILE --side kernel`).
import { expect, it } from 'vitest';
import { createImpl } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import { runDifferential } from '../../harness/run.ts';
import type { Observation, Step } from '../../vocab/index.ts';

function agreed(steps: Step[]): Observation[] {
  const r = runDifferential({ format: 1, kernel: 'current', env: { seed: 'creds-corners' }, steps }, createModel, createImpl);
  expect(r.divergence, JSON.stringify(r.divergence)).toBeUndefined();
  return r.trace.map((e) => e.left);
}

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
