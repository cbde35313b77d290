// The observed-values table (test/kernel/programs.ts OBSERVED_VALUES, measured on the kernel too) on the
// model and on impl: each side takes every value from its own observations as the harness runs it.
import { describe, expect, it } from 'vitest';
import { runProgram } from '../harness/run.ts';
import { createModel } from '../model/index.ts';
import { createImpl } from '../impl/index.ts';
import type { BackendFactory } from '../vocab/index.ts';
import { HALF_RANGE_NS, OBSERVED_FAR_READ, OBSERVED_HOST_READ, OBSERVED_VALUES, OBSERVED_VALUES_PROGRAM, filled } from './kernel/programs.ts';

describe.each([['model', createModel], ['impl', createImpl]] as [string, BackendFactory][])('observed values on %s', (_name, factory) => {
  const trace = runProgram(OBSERVED_VALUES_PROGRAM, factory);
  it.each(OBSERVED_VALUES.map(([step, expected], i) => [i, JSON.stringify(step), expected] as const))('step %i %s', (i, _step, expected) => {
    expect(trace[i].obs).toEqual(filled(trace[i].obs, expected));
  });

  it('the namespace clock starts at the offset written from the reading: KTIME_SEC_MAX / 2 s plus the time since', () => {
    // The harness moves every clock 1 µs before each step; the read after the write is 6 steps later.
    const since = BigInt(OBSERVED_FAR_READ - OBSERVED_HOST_READ) * 1000n;
    expect(BigInt(trace[OBSERVED_FAR_READ].obs.time!)).toBe(BigInt(HALF_RANGE_NS) + since);
  });
});
