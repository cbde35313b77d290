// POSIX timer corners run on impl and model side by side (observations and states compared): the time
// left of a disarmed SIGEV_SIGNAL timer, of CPU-clock timers whose target the CPU clock has reached
// (they never fire here), the overrun of a periodic timer whose signal was re-sent while queued, and a
// timer made on a raw CPU clock id.
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import { STEP_NS } from '../../harness/host.ts';
import type { ClockRef, KernelBehaviour, Observation, Step, Timespec } from '../../vocab/index.ts';

const ns = (n: bigint): Timespec => ({ sec: String(n / 1_000_000_000n), nsec: Number(n % 1_000_000_000n) });
const ZERO = ns(0n);
const MS = 1_000_000n;

const agree = (steps: Step[], kernel: KernelBehaviour = 'current'): Observation[] => agreeing(steps, 'timer-corners', kernel);

const create = (timer: string, clock: ClockRef, notify: 'none' | 'signal' = 'signal'): Step =>
  ({ task: 't0', call: 'timer_create', clock, notify, timer });
const arm = (timer: string, value: Timespec, interval: Timespec = ZERO): Step => ({ task: 't0', call: 'timer_settime', timer, abs: false, value, interval });
const get = (timer: string): Step => ({ task: 't0', call: 'timer_gettime', timer });

describe('timer_gettime', () => {
  it('a SIGEV_SIGNAL timer disarmed before it fired has no time left', () => {
    const obs = agree([create('k0', 'CLOCK_MONOTONIC'), arm('k0', ns(10_000n * MS)), arm('k0', ZERO), get('k0')]);
    expect(obs[3].itimer).toEqual({ value: '0', interval: '0' });
  });
  it('a CPU-clock timer whose target the clock has just reached reports 1 ns', () => {
    const obs = agree([create('k0', 'CLOCK_PROCESS_CPUTIME_ID'), arm('k0', ns(STEP_NS)), get('k0')]);
    expect(obs[2].itimer).toEqual({ value: '1', interval: '0' });
  });
  it('a periodic CPU-clock timer past its target is not forwarded: 1 ns, whatever the interval', () => {
    const obs = agree([
      create('k0', 'CLOCK_THREAD_CPUTIME_ID'), arm('k0', ns(STEP_NS), ns(STEP_NS)),
      { task: 't0', call: 'time', vdso: false }, { task: 't0', call: 'time', vdso: false }, get('k0'),
    ]);
    expect(obs[4].itimer).toEqual({ value: '1', interval: String(STEP_NS) });
  });
});

describe('sigwait', () => {
  // k0 fires and queues its signal; re-armed while it is queued, it fires again: before 6.13 the
  // re-send counts in the queued signal's si_overrun, added to the intervals missed.
  const resent: Step[] = [
    create('k0', 'CLOCK_MONOTONIC'), arm('k0', ns(MS), ns(MS)), { host: 'advance', ns: String(2n * MS + MS / 2n) },
    arm('k0', ns(MS), ns(MS)), { host: 'advance', ns: String(3n * MS + MS / 2n) },
    { task: 't0', call: 'sigwait' }, { task: 't0', call: 'timer_getoverrun', timer: 'k0' }, { task: 't0', call: 'sigwait' },
  ];
  it.each(['6.1', 'current'] as const)('of a periodic timer re-armed while its signal was queued (%s)', (kernel) => {
    const obs = agree(resent, kernel);
    expect(obs[5]).toMatchObject({ ret: 34, handle: 'k0' });
  });
});

describe('timer_create on a raw CPU clock id', () => {
  // ~0 << 3 | CPUCLOCK_SCHED: the caller's process clock (CLOCK_PROCESS_CPUTIME_ID's), which
  // posix_cpu_timer_create() accepts; the timer then exists for every call that names it.
  it('a timer on pid 0\'s process SCHED clock (-6) is made: gettime finds it disarmed, delete removes it', () => {
    const obs = agree([create('k0', -6), get('k0'), { task: 't0', call: 'timer_delete', timer: 'k0' }, get('k0')]);
    expect(obs[0]).toEqual({ ret: 0, handle: 'k0' });
    expect(obs[1]).toEqual({ ret: 0, itimer: { value: '0', interval: '0' } });
    expect(obs[2]).toEqual({ ret: 0 });
    expect(obs[3]).toEqual({ err: 'EINVAL' });
  });
});
