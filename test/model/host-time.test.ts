// Host time reaching timers, sleeps and timerfds (model/hosttime.ts): the instant each expiry is reached
// within a stretch, the order of several, and what a set of the realtime clock reaches
// (docs/conventions.md "Timers"; fs/timerfd.c, kernel/time/hrtimer.c, kernel/time/timekeeping.c).
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import type { Observation, Step } from '../../vocab/index.ts';
import { after, BASE, MS, run, S, ts, ZERO } from './run.ts';

const base = BASE;

/** The observations, after model and impl agreed on every one and on every state. */
const agreed = (steps: Step[]): Observation[] => agreeing(steps, 'host-time');

describe('a stretch of time', () => {
  it('expiries fire earliest first: a later expiry armed earlier waits its turn', () => {
    const r = run([{ task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'nanosleep', value: ts(10n * MS) },
      { task: 't0', call: 'nanosleep', value: ts(5n * MS) }]);
    expect(r.do({ host: 'advance', ns: '0' }, after(20n * MS)).completions?.map((c) => c.task)).toEqual(['t0', 't1']);
  });

  it('a reader of a periodic monotonic timerfd wakes at the first expiry and takes one; the rest wait for the next read', () => {
    // timerfd_tmrproc wakes the reader at the first expiry (10 ms): it reads 1 and re-arms at 20 ms.
    // The timer then fires at 20 ms and nobody reads until 55 ms: 1 + hrtimer_forward_now's 4 - 1.
    const r = run([{ task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: false, fd: 'f1' },
      { task: 't0', call: 'thread', child: 't1' },
      { task: 't1', call: 'read', fd: 'f1' },
      { task: 't0', call: 'timerfd_settime', fd: 'f1', abs: false, cancelOnSet: false, value: ts(10n * MS), interval: ts(10n * MS) }]);
    expect(r.obs[2]).toEqual({ pending: true });
    expect(r.do({ host: 'advance', ns: '0' }, after(55n * MS)).completions).toEqual([{ task: 't1', call: 'read', ret: 8, value: '1' }]);
    expect(r.do({ task: 't1', call: 'read', fd: 'f1' }, after(55n * MS))).toEqual({ ret: 8, value: '4' });
  });

  it('a periodic timerfd armed at an absolute time already past counts every period up to now for its reader', () => {
    // The hrtimer fires at once; timerfd_read adds hrtimer_forward_now's overruns: expiries at E, E+10,
    // E+20, E+30 ms are all at or before now = E + 35 ms.
    const r = run([{ task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: false, fd: 'f1' },
      { task: 't0', call: 'thread', child: 't1' },
      { task: 't1', call: 'read', fd: 'f1' },
      { task: 't0', call: 'timerfd_settime', fd: 'f1', abs: true, cancelOnSet: false, value: ts(base.monotonic - 35n * MS), interval: ts(10n * MS) }]);
    const completions = [...(r.obs[3].completions ?? []), ...(r.do({ task: 't0', call: 'sysinfo' }).completions ?? [])];
    expect(completions).toEqual([{ task: 't1', call: 'read', ret: 8, value: '4' }]);
  });
});

describe('clock sets', () => {
  it('setting the realtime clock back moves CLOCK_TAI back with it: an absolute TAI sleep stays asleep', () => {
    // do_settimeofday64: TAI is realtime plus the TAI offset, so both move by the same delta.
    const r = run([{ task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_TAI', abs: true, value: ts(base.tai + 3600n * S) }]);
    const back = { ...base, realtime: base.realtime - S, tai: base.tai - S };
    expect(r.do({ host: 'settime', realtime: String(base.realtime - S) }, back).completions).toBeUndefined();
    expect(r.model.abstract().tasks.t1.state).toBe('blocked');
    const fwd = { ...base, realtime: base.realtime + 7200n * S, tai: base.tai + 7200n * S };
    expect(r.do({ host: 'settime', realtime: String(base.realtime + 7200n * S) }, fwd).completions)
      .toEqual([{ task: 't1', call: 'clock_nanosleep', ret: 0 }]);
  });

  it('setting the clock to the time it shows cancels no cancel-on-set timerfd', () => {
    // timerfd_clock_was_set cancels only timerfds whose moffs differs from the new offset.
    const r = run([{ task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: true, fd: 'f1' },
      { task: 't0', call: 'timerfd_settime', fd: 'f1', abs: true, cancelOnSet: true, value: ts(base.realtime + 3600n * S), interval: ZERO },
      { host: 'settime', realtime: String(base.realtime) }]);
    expect(r.do({ task: 't0', call: 'read', fd: 'f1' })).toEqual({ err: 'EAGAIN' });
    expect(r.model.abstract().timers.f1).toMatchObject({ canceled: false });
  });

  it('a set wakes the readers of canceled timerfds in the order the timerfds were armed, and only those', () => {
    const obs = agreed([
      { task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: false, fd: 'f1' },
      { task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: false, fd: 'f2' },
      { task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: true, fd: 'f3' },
      { task: 't0', call: 'timerfd_settime', fd: 'f2', abs: true, cancelOnSet: true, value: { sec: '4000000000', nsec: 0 }, interval: ZERO },
      { task: 't0', call: 'timerfd_settime', fd: 'f1', abs: true, cancelOnSet: true, value: { sec: '4000000000', nsec: 0 }, interval: ZERO },
      { task: 't0', call: 'timerfd_settime', fd: 'f3', abs: true, cancelOnSet: false, value: { sec: '4000000000', nsec: 0 }, interval: ZERO },
      { task: 't0', call: 'thread', child: 't1' },
      { task: 't0', call: 'thread', child: 't2' },
      { task: 't1', call: 'read', fd: 'f1' },
      { task: 't2', call: 'read', fd: 'f2' },
      { host: 'settime', realtime: '1800000000000000000' },
      { task: 't0', call: 'read', fd: 'f3' },
    ]);
    expect(obs[10].completions).toEqual([{ task: 't2', call: 'read', err: 'ECANCELED' }, { task: 't1', call: 'read', err: 'ECANCELED' }]);
    // f3 was armed without TFD_TIMER_CANCEL_ON_SET: neither canceled nor ticked.
    expect(obs[11]).toEqual({ err: 'EAGAIN' });
  });

  it('timers and sleeps a set reaches at the same expiry fire in arming order', () => {
    // clock_was_set -> hrtimer_interrupt: equal expiries on one base leave the timerqueue in the order
    // they were enqueued. The sleep was armed before the timerfd.
    const target = ts(base.realtime + 3600n * S);
    const r = run([{ task: 't0', call: 'fork', child: 't1' },
      { task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: false, fd: 'f1' },
      { task: 't0', call: 'thread', child: 't2' },
      { task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_REALTIME', abs: true, value: target },
      { task: 't0', call: 'timerfd_settime', fd: 'f1', abs: true, cancelOnSet: false, value: target, interval: ZERO },
      { task: 't2', call: 'read', fd: 'f1' }]);
    const fwd = { ...base, realtime: base.realtime + 7200n * S, tai: base.tai + 7200n * S };
    expect(r.do({ host: 'settime', realtime: String(base.realtime + 7200n * S) }, fwd).completions)
      .toEqual([{ task: 't1', call: 'clock_nanosleep', ret: 0 }, { task: 't2', call: 'read', ret: 8, value: '1' }]);
  });
});
