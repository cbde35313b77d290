// Signals reaching blocked calls on impl (impl/signal.ts), run on impl and model side by side: a signal
// without a handler re-arms a sleep at the same expiry, behind what was armed meanwhile; a handled one
// ends an absolute sleep with EINTR and nothing left to report; a reader killed while blocked on a
// timerfd leaves its wait queue.
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import type { Observation, ProgramStep as Step, Timespec } from '../../vocab/index.ts';

const agree = (steps: Step[]): Observation[] => agreeing(steps, 'signal-corners');

const SEC = 1_000_000_000n;
const ZERO: Timespec = { sec: '0', nsec: 0 };
// Both sleepers wait for the same absolute MONOTONIC target, 10 s after t0's reading (initial namespace).
const sleepUntilNowPlus10s = (task: string): Step =>
  ({ task, call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: true, value: { from: 'now', field: 'time', delta: String(10n * SEC) } });
const twoSleepers: Step[] = [
  { task: 't0', call: 'fork', child: 't1' },
  { task: 't0', call: 'fork', child: 't2' },
  { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: false, label: 'now' },
  sleepUntilNowPlus10s('t1'),
  sleepUntilNowPlus10s('t2'),
];
const past: Step = { host: 'advance', ns: String(20n * SEC) };

describe('a signal without a handler', () => {
  it('leaves equal expiries in arming order when no signal comes', () => {
    const obs = agree([...twoSleepers, past]);
    expect(obs[5].completions?.map((c) => c.task)).toEqual(['t1', 't2']);
  });

  // The sleep restarts (restart_block: hrtimer_nanosleep_restart) at the same expiry; timerqueue_add
  // places it after the equal expiry t2 armed meanwhile.
  it('re-arms the sleep at the same expiry, behind a sleeper armed after it', () => {
    const obs = agree([...twoSleepers, { host: 'signal', task: 't1', handler: false }, past]);
    expect(obs[5].completions ?? []).toEqual([]);
    expect(obs[6].completions).toEqual([{ task: 't2', call: 'clock_nanosleep', ret: 0 }, { task: 't1', call: 'clock_nanosleep', ret: 0 }]);
  });
});

describe('a signal with a handler', () => {
  // do_nanosleep(): an absolute sleep returns -ERESTARTNOHAND and writes no remaining time.
  it('ends an absolute sleep with EINTR and no time left', () => {
    const obs = agree([...twoSleepers, { host: 'signal', task: 't1', handler: true }]);
    expect(obs[5].completions).toEqual([{ task: 't1', call: 'clock_nanosleep', err: 'EINTR' }]);
  });
});

describe('a reader killed while blocked on a timerfd', () => {
  // t2, a thread of t1, and t0 wait on the same timerfd; t1's exit_group kills t2 in its read, which
  // takes it off the wait queue (finish_wait), so the expiry goes to t0.
  it('leaves the wait queue: the expiry goes to the reader still waiting', () => {
    const obs = agree([
      { task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: false, fd: 'f0' },
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'thread', child: 't2' },
      { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: false, cancelOnSet: false, value: { sec: '1', nsec: 0 }, interval: ZERO },
      { task: 't2', call: 'read', fd: 'f0' },
      { task: 't0', call: 'read', fd: 'f0' },
      { task: 't1', call: 'exit_group' },
      { host: 'advance', ns: String(2n * SEC) },
    ]);
    expect(obs.slice(4, 6)).toEqual([{ pending: true }, { pending: true }]);
    expect(obs[7].completions).toEqual([{ task: 't0', call: 'read', ret: 8, value: '1' }]);
  });
});
