// The checks of /proc/PID/stat starttime and times(2) that the model and impl share: the rules of
// test/kernel/programs.ts STARTTIME (which the kernel keeps too), at the harness's host clocks.
import { expect, it } from 'vitest';
import { resolveEnv, runProgram } from '../harness/run.ts';
import type { BackendFactory, HostClocks, Observation, Program } from '../vocab/index.ts';
import { STARTTIME_PROGRAM, startTimeFailures, startWrapFailures, startWrapProgram, type Brackets } from './kernel/programs.ts';

/** A simulated run: every step's bracket is the one instant the harness gave it. */
export function simulated(p: Program, factory: BackendFactory): { obs: Observation[]; b: Brackets } {
  const clocks: HostClocks[] = [];
  const obs = runProgram(p, factory, (_e, _s, c) => clocks.push(c)).map((e) => e.obs);
  const born = resolveEnv(p).startBoottime!;
  return { obs, b: { steps: clocks.map((c) => ({ before: c, after: c })), born: { before: born, after: born } } };
}

export function startTimeChecks(factory: BackendFactory): void {
  it('keeps every rule of the table', () => {
    const { obs, b } = simulated(STARTTIME_PROGRAM, factory);
    expect(startTimeFailures(obs, b)).toEqual([]);
  });
  it('shows a start before the reader\'s namespace\'s zero wrapped, as an unsigned 64-bit count', () => {
    const born = resolveEnv(startWrapProgram(0n, 0)).startBoottime!;
    const at = born + 500_000_000n; // half-way through the 50 advances of 20 ms
    const { obs, b } = simulated(startWrapProgram(at, 50), factory);
    expect(startWrapFailures(obs, at, 50, b)).toEqual([]);
    expect(BigInt(obs[54].value!)).toBeGreaterThan((1n << 64n) / 10_000_000n - 1000n);
  });
}
