// A reaped task's handle names nothing (release_task): the vDSO entry points of the backend find no
// task under it, as the syscalls do (ESRCH), rather than the released task. A zombie is still found, but
// exit_mm took its mm, so no [vvar] is left to read: ESRCH as well.
import { expect, it } from 'vitest';
import { Run } from './helpers.ts';

it('after the wait that reaps it, a child\'s handle has no vDSO reader and its reads are ESRCH', () => {
  const r = new Run();
  r.ok(
    { task: 't0', call: 'fork', child: 't1' },
    { task: 't1', call: 'exit' },
    { task: 't0', call: 'wait', child: 't1' },
  );
  expect(r.b.vdsoReader('t1')).toBeNull();
  expect(r.b.vdsoClockGettime('t1', 1, new Float64Array(2))).toBeLessThan(0);
  expect(r.step({ task: 't1', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true })).toEqual({ err: 'ESRCH' });
  // The parent's reader still works.
  expect(r.b.vdsoReader('t0')).not.toBeNull();
});

it('a zombie (exited, not yet reaped) has no mm: its vDSO reads, and those of a reader bound before it exited, are -ESRCH', () => {
  const r = new Run();
  r.ok({ task: 't0', call: 'fork', child: 't1' });
  const read = r.b.vdsoReader('t1')!;
  const out = new Float64Array(2);
  expect(read(1, out)).toBe(0);
  r.ok({ task: 't1', call: 'exit' });
  expect(r.b.vdsoClockGettime('t1', 1, out)).toBe(-3);
  expect(read(1, out)).toBe(-3);
});
