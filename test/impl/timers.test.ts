// Timers and sleeps (reference §7, docs/conventions.md "Blocking" and "Timers"), with expected values
// from the reference's worked examples, the kernel's hrtimer_forward arithmetic, and C experiments on
// Linux 6.18 (no RTC on that machine).
import { describe, expect, it } from 'vitest';
import { Stepper } from '../../harness/run.ts';
import { createImpl } from '../../impl/index.ts';
import type { Observation, Step, Timespec } from '../../vocab/index.ts';

const SEC = 1_000_000_000n;
const MS = 1_000_000n;
const ts = (ns: bigint): Timespec => ({ sec: (ns / SEC).toString(), nsec: Number(ns % SEC) });
const ZERO = ts(0n);

class T {
  s: Stepper;
  constructor(rtc = true) {
    this.s = new Stepper({ seed: 'timers', rtc }, createImpl);
  }
  step(st: Step): Observation {
    return this.s.step(st).obs;
  }
  clocks() {
    return this.s.clocks();
  }
  state() {
    return this.s.side.abstract();
  }
  /** A task t1 in a time namespace whose monotonic offset is off seconds. */
  inNamespace(off: string): void {
    for (const st of [
      { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f0' },
      { task: 't0', call: 'write', fd: 'f0', text: `monotonic ${off} 0` },
      { task: 't0', call: 'fork', child: 't1' },
    ] as Step[]) expect(this.step(st).err).toBeUndefined();
  }
}

describe('§7.1 and §7.3: absolute targets are converted once, remaining time is host time', () => {
  it('an absolute timer at ns_now + 3600 s reports 3600 s left with a +1000 s offset', () => {
    const r = new T();
    r.inNamespace('1000');
    const nsNow = r.clocks().monotonic + 1000n * SEC + 1000n; // the next step's tick
    r.step({ task: 't1', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k1' });
    const at = nsNow + 1000n + 3600n * SEC;
    r.step({ task: 't1', call: 'timer_settime', timer: 'k1', abs: true, value: ts(at), interval: ZERO });
    // Two ticks have passed since `at` was computed relative to the settime step: 3600 s minus nothing.
    const g = r.step({ task: 't1', call: 'timer_gettime', timer: 'k1' });
    expect(g.itimer).toEqual({ value: (3600n * SEC - 1000n).toString(), interval: '0' });
    expect(r.state().timers.k1.expires).toBe((at - 1000n * SEC).toString());
  });

  it('a timerfd armed at host_now + 5 s in the namespace is in its past: it fires at once, gettime says 0', () => {
    const r = new T();
    r.inNamespace('1000');
    r.step({ task: 't1', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f1' });
    const hostNow = r.clocks().monotonic;
    r.step({ task: 't1', call: 'timerfd_settime', fd: 'f1', abs: true, cancelOnSet: false, value: ts(hostNow + 5n * SEC), interval: ZERO });
    expect(r.step({ task: 't1', call: 'timerfd_gettime', fd: 'f1' }).itimer).toEqual({ value: '0', interval: '0' });
    expect(r.step({ task: 't1', call: 'read', fd: 'f1' })).toEqual({ ret: 8, value: '1' });
  });

  it('a target below the offset is host 0: the absolute sleep returns at once', () => {
    const r = new T();
    r.inNamespace('1000');
    expect(r.step({ task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: true, value: ts(5n * SEC) })).toEqual({ ret: 0 });
  });

  it('with a negative offset (§7.1: -0.5 s gives 520 ms; here -1 s) an absolute sleep to host_now + 20 ms lasts 1.02 s', () => {
    const r = new T();
    r.inNamespace('-1');
    // -1 s offset written as "-1 0": the sleep to host_now + 20 ms lasts 1.02 s of host time.
    const target = r.clocks().monotonic + 20n * MS;
    expect(r.step({ task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: true, value: ts(target) })).toEqual({ pending: true });
    expect(r.state().tasks.t1.waiting).toEqual({ call: 'clock_nanosleep', clock: 1, expires: (target + SEC).toString() });
    expect(r.step({ task: 't1', call: 'sysinfo' })).toEqual({ blocked: true });
    expect(r.step({ host: 'advance', ns: (SEC + 10n * MS).toString() }).completions).toBeUndefined();
    expect(r.step({ host: 'advance', ns: (10n * MS).toString() }).completions).toEqual([{ task: 't1', call: 'clock_nanosleep', ret: 0 }]);
    expect(r.state().tasks.t1.waiting).toBeUndefined();
  });
});

describe('Blocking: completions in the order the expiries are reached', () => {
  it('orders by expiry, equal expiries in arming order, and a suspend leaves monotonic sleepers asleep', () => {
    const r = new T();
    for (const c of ['t1', 't2', 't3', 't4']) r.step({ task: 't0', call: 'thread', child: c });
    const boot = r.clocks().boottime;
    r.step({ task: 't1', call: 'nanosleep', value: ts(30n * MS) });
    r.step({ task: 't2', call: 'clock_nanosleep', clock: 'CLOCK_BOOTTIME', abs: true, value: ts(boot + 20n * MS) });
    r.step({ task: 't3', call: 'clock_nanosleep', clock: 'CLOCK_BOOTTIME', abs: true, value: ts(boot + 20n * MS) });
    r.step({ task: 't4', call: 'clock_nanosleep', clock: 'CLOCK_BOOTTIME', abs: true, value: ts(boot + 10n * MS) });
    const o = r.step({ host: 'suspend', ns: (SEC).toString() });
    expect(o.completions).toEqual([
      { task: 't4', call: 'clock_nanosleep', ret: 0 },
      { task: 't2', call: 'clock_nanosleep', ret: 0 },
      { task: 't3', call: 'clock_nanosleep', ret: 0 },
    ]);
    expect(r.state().tasks.t1.state).toBe('blocked');
    expect(r.step({ host: 'advance', ns: (30n * MS).toString() }).completions).toEqual([{ task: 't1', call: 'nanosleep', ret: 0 }]);
  });

  it('a handler signal ends a relative sleep with EINTR and the time left; an absolute one without', () => {
    const r = new T();
    r.step({ task: 't0', call: 'thread', child: 't1' });
    r.step({ task: 't0', call: 'thread', child: 't2' });
    r.step({ task: 't1', call: 'nanosleep', value: ts(100n * MS) });
    r.step({ task: 't2', call: 'futex_wait', realtime: false, value: ts(r.clocks().monotonic + SEC) });
    r.step({ host: 'advance', ns: (40n * MS).toString() });
    // 100 ms - the three steps since the sleep began (futex, advance 40 ms, signal), 1 µs tick each.
    expect(r.step({ host: 'signal', task: 't1', handler: true }).completions)
      .toEqual([{ task: 't1', call: 'nanosleep', err: 'EINTR', time: (60n * MS - 3000n).toString() }]);
    expect(r.step({ host: 'signal', task: 't2', handler: false }).completions).toBeUndefined();
    expect(r.step({ host: 'signal', task: 't2', handler: true }).completions).toEqual([{ task: 't2', call: 'futex_wait', err: 'EINTR' }]);
  });

  it('a killed sleeper vanishes with its call', () => {
    const r = new T();
    r.step({ task: 't0', call: 'thread', child: 't1' });
    r.step({ task: 't1', call: 'nanosleep', value: ts(SEC) });
    r.step({ task: 't0', call: 'exit_group' });
    expect(r.step({ host: 'advance', ns: (2n * SEC).toString() }).completions).toBeUndefined();
  });
});

describe('POSIX timers', () => {
  it('a periodic signal timer counts the missed intervals when its signal is taken (6.18: overrun 4)', () => {
    const r = new T();
    r.step({ task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k1' });
    r.step({ task: 't0', call: 'timer_settime', timer: 'k1', abs: false, value: ts(MS), interval: ts(MS) });
    r.step({ host: 'advance', ns: (5n * MS + 500_000n).toString() });
    expect(r.state().timers.k1).toMatchObject({ expires: null, signalQueued: true, overrun: 0 });
    // hrtimer_forward at 5.502 ms past arming: expiry 1 ms -> 6 ms, 5 intervals, it_overrun -1 + 5.
    expect(r.step({ task: 't0', call: 'timer_gettime', timer: 'k1' }).itimer).toEqual({ value: '498000', interval: '1000000' });
    expect(r.step({ task: 't0', call: 'sigwait' })).toEqual({ ret: 34, handle: 'k1', overrun: 4 });
    expect(r.step({ task: 't0', call: 'timer_getoverrun', timer: 'k1' })).toEqual({ ret: 4 });
    expect(r.step({ task: 't0', call: 'sigwait' })).toEqual({ err: 'EAGAIN' });
  });

  it('a one-shot signal timer delivers overrun 0 and then reads as disarmed', () => {
    const r = new T();
    r.step({ task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k1' });
    r.step({ task: 't0', call: 'timer_settime', timer: 'k1', abs: false, value: ts(1000n), interval: ZERO });
    r.step({ host: 'advance', ns: '1000000' });
    expect(r.step({ task: 't0', call: 'sigwait' })).toEqual({ ret: 34, handle: 'k1', overrun: 0 });
    expect(r.step({ task: 't0', call: 'timer_gettime', timer: 'k1' }).itimer).toEqual({ value: '0', interval: '0' });
  });

  it('clock support as Linux 6.18 answers it without an RTC', () => {
    const r = new T(false);
    expect(r.step({ task: 't0', call: 'timer_create', clock: 'CLOCK_REALTIME_ALARM', notify: 'none', timer: 'k1' })).toEqual({ err: 'EOPNOTSUPP' });
    expect(r.step({ task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC_RAW', notify: 'none', timer: 'k1' })).toEqual({ err: 'EOPNOTSUPP' });
    expect(r.step({ task: 't0', call: 'timer_create', clock: -1, notify: 'none', timer: 'k1' })).toEqual({ err: 'EINVAL' });
    expect(r.step({ task: 't0', call: 'timer_create', clock: 'CLOCK_THREAD_CPUTIME_ID', notify: 'none', timer: 'k1' })).toEqual({ ret: 0, handle: 'k1' });
    expect(r.step({ task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME_ALARM', nonblock: false, fd: 'f1' })).toEqual({ ret: 0, handle: 'f1' });
    expect(r.step({ task: 't0', call: 'timerfd_create', clock: 'CLOCK_TAI', nonblock: false, fd: 'f2' })).toEqual({ err: 'EINVAL' });
    const bad = { sec: '0', nsec: -1 };
    expect(r.step({ task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_THREAD_CPUTIME_ID', abs: false, value: bad })).toEqual({ err: 'EOPNOTSUPP' });
    expect(r.step({ task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_REALTIME_ALARM', abs: false, value: bad })).toEqual({ err: 'EINVAL' });
    expect(r.step({ task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_BOOTTIME_ALARM', abs: true, value: ZERO })).toEqual({ err: 'EOPNOTSUPP' });
    expect(r.step({ task: 't0', call: 'clock_nanosleep', clock: 10, abs: false, value: bad })).toEqual({ err: 'EINVAL' });
    expect(r.step({ task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_PROCESS_CPUTIME_ID', abs: true, value: ZERO })).toEqual({ ret: 0 });
  });

  it('timers go at exec and belong to their process', () => {
    const r = new T();
    r.step({ task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'none', timer: 'k1' });
    r.step({ task: 't0', call: 'fork', child: 't1' });
    expect(r.step({ task: 't1', call: 'timer_gettime', timer: 'k1' })).toEqual({ err: 'EINVAL' });
    r.step({ task: 't0', call: 'exec' });
    expect(r.step({ task: 't0', call: 'timer_gettime', timer: 'k1' })).toEqual({ err: 'EINVAL' });
    expect(r.state().timers).toEqual({});
  });
});

describe('timerfd and clock sets', () => {
  it('keeps the interval of a disarmed timerfd (6.18 reports 7 ns) and answers EAGAIN when nonblocking', () => {
    const r = new T();
    r.step({ task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f1' });
    r.step({ task: 't0', call: 'timerfd_settime', fd: 'f1', abs: false, cancelOnSet: false, value: ZERO, interval: ts(7n) });
    expect(r.step({ task: 't0', call: 'timerfd_gettime', fd: 'f1' }).itimer).toEqual({ value: '0', interval: '7' });
    expect(r.step({ task: 't0', call: 'read', fd: 'f1' })).toEqual({ err: 'EAGAIN' });
  });

  it('a clock set cancels a cancel-on-set reader and reaches absolute realtime sleeps, not relative ones', () => {
    const r = new T();
    for (const c of ['t1', 't2', 't3']) r.step({ task: 't0', call: 'thread', child: c });
    const real = r.clocks().realtime;
    r.step({ task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: false, fd: 'f1' });
    r.step({ task: 't0', call: 'timerfd_settime', fd: 'f1', abs: true, cancelOnSet: true, value: ts(real + 3600n * SEC), interval: ZERO });
    expect(r.step({ task: 't1', call: 'read', fd: 'f1' })).toEqual({ pending: true });
    r.step({ task: 't2', call: 'clock_nanosleep', clock: 'CLOCK_REALTIME', abs: true, value: ts(real + 60n * SEC) });
    r.step({ task: 't3', call: 'clock_nanosleep', clock: 'CLOCK_REALTIME', abs: false, value: ts(60n * SEC) });
    const o = r.step({ host: 'settime', realtime: (real + 120n * SEC).toString() });
    // docs/conventions.md: the cancels are marked, the reached timers fire, then canceled readers wake.
    expect(o.completions).toEqual([
      { task: 't2', call: 'clock_nanosleep', ret: 0 },
      { task: 't1', call: 'read', err: 'ECANCELED' },
    ]);
    expect(r.state().tasks.t3.state).toBe('blocked');
    expect(r.state().timers.f1).toMatchObject({ canceled: false, ticks: '0', cancelOnSet: true });
  });

  it('a periodic timerfd read counts the expiries it missed', () => {
    const r = new T();
    r.step({ task: 't0', call: 'timerfd_create', clock: 'CLOCK_BOOTTIME', nonblock: true, fd: 'f1' });
    r.step({ task: 't0', call: 'timerfd_settime', fd: 'f1', abs: false, cancelOnSet: false, value: ts(10n * MS), interval: ts(10n * MS) });
    r.step({ host: 'suspend', ns: (35n * MS).toString() });
    // Expiries at 10, 20, 30 ms; the read forwards past now (35.002 ms): 3 expirations.
    expect(r.step({ task: 't0', call: 'read', fd: 'f1' })).toEqual({ ret: 8, value: '3' });
  });
});

describe('resume from suspend', () => {
  it('cancels a cancel-on-set timerfd as a clock set does, since the wall clock moved against monotonic', () => {
    const r = new T();
    r.step({ task: 't0', call: 'thread', child: 't1' });
    const real = r.clocks().realtime;
    r.step({ task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: false, fd: 'f1' });
    r.step({ task: 't0', call: 'timerfd_settime', fd: 'f1', abs: true, cancelOnSet: true, value: ts(real + 3600n * SEC), interval: ZERO });
    expect(r.step({ task: 't1', call: 'read', fd: 'f1' })).toEqual({ pending: true });
    expect(r.step({ host: 'advance', ns: String(60n * SEC) }).completions).toBeUndefined();
    expect(r.step({ host: 'suspend', ns: String(60n * SEC) }).completions).toEqual([{ task: 't1', call: 'read', err: 'ECANCELED' }]);
  });

  it('a clock set to the time the clock already shows cancels nothing', () => {
    const r = new T();
    const real = r.clocks().realtime;
    r.step({ task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: true, fd: 'f1' });
    r.step({ task: 't0', call: 'timerfd_settime', fd: 'f1', abs: true, cancelOnSet: true, value: ts(real + 3600n * SEC), interval: ZERO });
    // The next step's clocks are one tick on: set the clock to exactly what that step shows.
    const next = r.clocks().realtime + 1000n;
    const set = r.step({ task: 't0', call: 'clock_settime', clock: 'CLOCK_REALTIME', sec: String(next / SEC), nsec: Number(next % SEC) });
    expect(set).toEqual({ ret: 0 });
    expect(r.step({ task: 't0', call: 'read', fd: 'f1' })).toEqual({ err: 'EAGAIN' });
  });
});
