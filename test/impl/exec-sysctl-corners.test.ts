// exec by a thread whose leader has already exited, on the model and impl alike, and the bounds of
// max_time_namespaces on a value the program format cannot carry, through a direct call of impl.
import { describe, expect, it } from 'vitest';
import { Stepper } from '../../harness/run.ts';
import { createImpl } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import { INT_MAX, type BackendFactory, type Step } from '../../vocab/index.ts';
import { Run } from './helpers.ts';

const SIDES: [string, BackendFactory][] = [['model', createModel], ['impl', createImpl]];

describe.each(SIDES)('exec after the leader exited, on the %s', (_name, factory) => {
  // de_thread() kills only the threads still alive: the zombie leader is already dead, its pid goes to
  // the exec'ing thread, and the process lives on in that thread until it exits.
  it('the process is still running after the exec, and ends with the exec\'ing thread\'s code', () => {
    const s = new Stepper({ seed: 'exec-zombie-leader' }, factory);
    const steps: Step[] = [
      { task: 't0', call: 'fork', child: 't1' }, { task: 't1', call: 'thread', child: 't2' },
      { task: 't1', call: 'exit', code: 1 }, { task: 't2', call: 'exec' },
      { task: 't0', call: 'wait', child: 't1' },
      { task: 't2', call: 'exit', code: 5 }, { task: 't0', call: 'wait', child: 't1' },
    ];
    const obs = steps.map((st) => s.step(st).obs);
    expect(obs[3]).toEqual({ ret: 0 });
    expect(obs[4]).toEqual({ ret: 0 }); // WNOHANG: a child that has not exited
    expect(obs[6]).toEqual({ ret: 1, status: 5 << 8 });
  });
});

describe('max_time_namespaces', () => {
  // proc_dointvec_minmax() with extra2 = SYSCTL_INT_MAX: a value above INT_MAX is EINVAL and the
  // limit stays as it was.
  it('a write above INT_MAX is EINVAL and leaves the limit', () => {
    const r = new Run({ maxTimeNamespaces: 7 });
    expect(r.step({ task: 't0', call: 'sysctl_write', value: INT_MAX })).toEqual({ ret: 0 });
    expect(r.step({ task: 't0', call: 'sysctl_write', value: INT_MAX + 1 })).toEqual({ err: 'EINVAL' });
    expect(r.step({ task: 't0', call: 'sysctl_read' })).toEqual({ ret: 0, value: String(INT_MAX) });
  });
});
