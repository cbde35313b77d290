// The model's abstract state as it writes it (model/abstract.ts): the canonical order of
// vocab/observation.ts (AbstractWriter), in which impl writes the same state token for token, so a
// lock-step run never has to fall back to building and comparing the objects.
import { expect, it } from 'vitest';
import { createImpl } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import { runDifferential } from '../../harness/run.ts';
import type { Step } from '../../vocab/index.ts';
import { run } from './run.ts';

it('timers are written by handle number within one letter, timerfds before POSIX timers, as impl writes them', () => {
  // k2 before k10 and f3 before f12, though "k10" < "k2" as strings.
  const steps: Step[] = [
    { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'none', timer: 'k10' },
    { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'none', timer: 'k2' },
    { task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f12' },
    { task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f3' },
  ];
  const counts = { written: 0, built: 0 };
  const r = runDifferential({ format: 1, kernel: 'current', env: { seed: 'abstract-state' }, steps }, createModel, createImpl, { counts });
  expect(r.divergence).toBeUndefined();
  expect(counts).toEqual({ written: steps.length, built: 0 });
  expect(Object.keys(run(steps).model.abstract().timers)).toEqual(['f3', 'f12', 'k2', 'k10']);
});
