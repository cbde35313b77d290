// The executor's two walls on this machine's kernel (safety-checks.ts), and how a set wall clock is told
// from a reader that was preempted between its clock reads.
import { describe, expect, it } from 'vitest';
import type { KernelStep } from '../../kernel/driver.ts';
import { safetyChecks, wallClockUnchanged } from './safety-checks.ts';

describe('telling a set wall clock from a preempted reader', () => {
  const SEC = 1_000_000_000n;
  const clocks = (realtime: bigint, monotonic: bigint, tai: bigint) => ({ realtime, monotonic, tai }) as KernelStep['before'];
  const step = (before: KernelStep['before'], after: KernelStep['before']): KernelStep => ({ obs: { ret: 0 }, before, after });
  it('a reader preempted for 50 ms between REALTIME and MONOTONIC: unchanged', () => {
    const before = clocks(1000n * SEC, 10n * SEC + 50_000_000n, 1037n * SEC + 50_000_001n);
    expect(wallClockUnchanged(step(before, clocks(1000n * SEC + 60_000_000n, 10n * SEC + 60_000_000n, 1037n * SEC + 60_000_001n)))).toBe(true);
  });
  it('a wall clock set an hour ahead, or 10 ms back: changed', () => {
    const before = clocks(1000n * SEC, 10n * SEC + 1000n, 1037n * SEC + 2000n);
    expect(wallClockUnchanged(step(before, clocks(4600n * SEC, 10n * SEC + 5000n, 4637n * SEC + 6000n)))).toBe(false);
    expect(wallClockUnchanged(step(before, clocks(1000n * SEC - 6_000_000n, 10n * SEC + 5000n, 1037n * SEC - 6_000_000n + 6000n)))).toBe(false);
  });
});

safetyChecks({ name: "this machine's kernel", mode: {} });
