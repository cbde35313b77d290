// clock_settime at the edges do_sys_settimeofday64 draws, run on model and impl in lock-step (every
// observation and abstract state compared) with the decisive observation pinned from kernel sources
// (simulated runs only: the kernel backend never sets a clock).
import { expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import { advanceHost } from '../../harness/run.ts';
import { hostFromSeed } from '../../harness/host.ts';
import { KTIME_SEC_MAX, type Observation, type Step } from '../../vocab/index.ts';

const SEED = 'clock-corners';

const agreed = (steps: Step[]): Observation[] => agreeing(steps, SEED);

const settime = (sec: bigint, nsec: number): Step => ({ task: 't0', call: 'clock_settime', clock: 'CLOCK_REALTIME', sec: String(sec), nsec });

it('the wall clock can be set up to, not at, TIME_SETTOD_SEC_MAX', () => {
  // timespec64_valid_settod: tv_sec >= TIME_SETTOD_SEC_MAX (KTIME_SEC_MAX less 30 years) is invalid.
  const max = KTIME_SEC_MAX - 30n * 365n * 24n * 3600n;
  expect(agreed([settime(max, 0)])[0]).toEqual({ err: 'EINVAL' });
  expect(agreed([settime(max - 1n, 999_999_999)])[0]).toEqual({ ret: 0 });
});

it('the wall clock can be set to the monotonic clock\'s time, not before it', () => {
  // do_settimeofday64: EINVAL when wall_to_monotonic > the change, that is when monotonic > the new time.
  const mono = advanceHost(hostFromSeed(SEED), settime(0n, 0)).monotonic; // the host as the first step sees it
  const at = (ns: bigint) => settime(ns / 1_000_000_000n, Number(ns % 1_000_000_000n));
  expect(agreed([at(mono)])[0]).toEqual({ ret: 0 });
  expect(agreed([at(mono - 1n)])[0]).toEqual({ err: 'EINVAL' });
});

it('a sleep on the process CPU clock returns at once for a relative 0 and for a target equal to its CPU time', () => {
  // posix_cpu_nsleep -> posix_cpu_timer_set: an expiry not after the clock's now fires at once (a
  // relative 0 measured on 6.18 too). The harness gives the process no CPU time beyond its steps.
  const steps: Step[] = [{ task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_PROCESS_CPUTIME_ID', abs: false, value: { sec: '0', nsec: 0 } }];
  const cpu = advanceHost(hostFromSeed(SEED), steps[0]).cputime; // CPU time as the first step sees it
  expect(cpu > 0n && cpu < 1_000_000_000n).toBe(true);
  const abs: Step = { task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_PROCESS_CPUTIME_ID', abs: true, value: { sec: '0', nsec: Number(cpu) } };
  expect(agreed(steps)[0]).toEqual({ ret: 0 });
  expect(agreed([abs])[0]).toEqual({ ret: 0 });
});
