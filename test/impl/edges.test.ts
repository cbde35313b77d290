// Corners the generated programs reach rarely or never, pinned on both sides: the order of expiries on
// different clock bases within one stretch of time, a POSIX timer on a CPU clock (no CPU time reaches a
// timer here, so it never fires), pread of a pidfd before pidfs, and the vDSO entry of a task that is gone.
import { describe, expect, it } from 'vitest';
import { createImpl, type ImplBackend } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import { resolveEnv, runProgram } from '../../harness/run.ts';
import type { KernelBehaviour, Observation, Program, Step } from '../../vocab/index.ts';

const ms = (n: number) => ({ sec: '0', nsec: n * 1_000_000 });
const P = (steps: Step[], kernel: KernelBehaviour = 'current'): Program => ({ format: 1, kernel, env: { seed: 'edges' }, steps });
const sides = [['impl', createImpl], ['model', createModel]] as const;
const run = (p: Program): Observation[][] => sides.map(([, f]) => runProgram(p, f).map((e) => e.obs));

describe.each(sides.map(([name], i) => [name, i] as const))('%s', (_, side) => {
  it('expiries on different bases reached in one advance complete in the order of their instants', () => {
    const obs = run(P([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't0', call: 'fork', child: 't2' },
      { task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: false, value: ms(5) },
      { task: 't2', call: 'clock_nanosleep', clock: 'CLOCK_BOOTTIME', abs: false, value: ms(3) },
      { host: 'advance', ns: '10000000' },
    ]))[side];
    expect(obs[2].pending).toBe(true);
    expect(obs[3].pending).toBe(true);
    expect((obs[4].completions ?? []).map((c) => c.task)).toEqual(['t2', 't1']);
  });
  it('a POSIX timer on a CPU clock, armed ahead, re-armed and deleted, never fires and keeps its time left', () => {
    const arm = (n: number): Step => ({ task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: ms(n), interval: ms(0) });
    const obs = run(P([
      { task: 't0', call: 'timer_create', clock: 'CLOCK_PROCESS_CPUTIME_ID', notify: 'signal', timer: 'k0' },
      arm(500),
      arm(700),
      { host: 'advance', ns: '10000000' },
      { task: 't0', call: 'timer_gettime', timer: 'k0' },
      { task: 't0', call: 'timer_delete', timer: 'k0' },
    ]))[side];
    expect(obs.map((o) => o.err)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(obs[3].completions ?? []).toEqual([]);
    // The second arming counts: 700 ms less the little CPU time the process used since.
    const left = BigInt(obs[4].itimer!.value);
    expect(left > 600_000_000n && left <= 700_000_000n, String(left)).toBe(true);
  });
  it('pread of a pidfd: ESPIPE before pidfs (6.1), EINVAL (no read method) since', () => {
    const steps: Step[] = [{ task: 't0', call: 'pidfd_open', target: 't0', fd: 'f0' }, { task: 't0', call: 'read', fd: 'f0' }];
    expect(run(P(steps, '6.1'))[side][1]).toEqual({ err: 'ESPIPE' });
    expect(run(P(steps, 'current'))[side][1]).toEqual({ err: 'EINVAL' });
  });
});

it('the vDSO entry answers -ESRCH for a task that does not exist', () => {
  const impl = createImpl(resolveEnv(P([]))) as ImplBackend;
  expect(impl.vdsoClockGettime('t9', 1, new Float64Array(2))).toBe(-3);
});
