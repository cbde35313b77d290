// clock_getres through the vDSO from a time namespace: the namespace's page holds offsets only, so
// the resolutions come from the host page it redirects to (a coarse clock's is the tick). Run on impl
// and model side by side.
import { expect, it } from 'vitest';
import { createImpl } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import { runDifferential } from '../../harness/run.ts';
import type { ClockRef, Step } from '../../vocab/index.ts';

it.each(['CLOCK_MONOTONIC_COARSE', 'CLOCK_REALTIME_COARSE', 'CLOCK_MONOTONIC'] as ClockRef[])('%s in a time namespace: the host page\'s resolution', (clock) => {
  const steps: Step[] = [
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'fork', child: 't1' },
    { task: 't1', call: 'clock_getres', clock, vdso: true },
    { task: 't0', call: 'clock_getres', clock, vdso: true },
  ];
  const r = runDifferential({ format: 1, kernel: 'current', env: { seed: 'vdso-getres' }, steps }, createModel, createImpl);
  const d = r.divergence;
  expect(d, d && `${JSON.stringify(d.step)}: model ${JSON.stringify(d.left)}, impl ${JSON.stringify(d.right)}`).toBeUndefined();
  // From inside the namespace and from outside, the same resolution.
  expect(r.trace[2].left).toEqual(r.trace[3].left);
});
