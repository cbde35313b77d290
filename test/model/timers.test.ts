// Timers and sleeps: reference §7 (conversion, where it applies, remaining times, interrupted sleeps),
// docs/conventions.md "Blocking" and "Timers", and behaviours probed on Linux 6.18 (noted where used).
import { describe, expect, it } from 'vitest';
import { KTIME_MAX, type Step } from '../../vocab/index.ts';
import { after, BASE, environment, MS, run, S, ts, ZERO } from './run.ts';

const base = BASE;

/** t1 in a fresh namespace whose offsets are `offsets` (a timens_offsets write), t0 outside it. */
function inNamespace(offsets: string): Step[] {
  return [
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' },
    { task: 't0', call: 'write', fd: 'f1', text: offsets },
    { task: 't0', call: 'fork', child: 't1' },
  ];
}
const PLUS_1000 = inNamespace('monotonic 1000 0\nboottime 1000 0');

describe('§7.1 conversion of absolute targets', () => {
  it('a target below the namespace offset is host 0: the sleep returns at once, the timer fires at once', () => {
    const r = run(PLUS_1000);
    expect(r.do({ task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: true, value: ts(5n * S) })).toEqual({ ret: 0 });
    r.do({ task: 't1', call: 'timer_create', clock: 'CLOCK_BOOTTIME', notify: 'signal', timer: 'k1' });
    r.do({ task: 't1', call: 'timer_settime', timer: 'k1', abs: true, value: ts(5n * S), interval: ZERO });
    expect(r.do({ task: 't1', call: 'sigwait' })).toEqual({ ret: 34, handle: 'k1', overrun: 0 });
  });
  it('offset -0.5 s: an absolute sleep to host now + 20 ms sleeps 520 ms', () => {
    const r = run(inNamespace('monotonic -1 500000000'));
    const o = r.do({ task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: true, value: ts(base.monotonic + 20n * MS) });
    expect(o).toEqual({ pending: true });
    expect(r.model.abstract().tasks.t1.waiting).toEqual({ call: 'clock_nanosleep', clock: 1, expires: String(base.monotonic + 520n * MS) });
    expect(r.do({ task: 't1', call: 'sysinfo' }, after(519n * MS))).toEqual({ blocked: true });
    expect(r.do({ host: 'advance', ns: '1000000' }, after(520n * MS)))
      .toEqual({ ret: 0, completions: [{ task: 't1', call: 'clock_nanosleep', ret: 0 }] });
    expect(r.model.abstract().tasks.t1.state).toBe('running');
  });
  it('the converted target saturates at KTIME_MAX (a negative offset cannot wrap it; probed on 6.18)', () => {
    const r = run(inNamespace('monotonic -5 0'));
    r.do({ task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: true, value: { sec: '9223372036', nsec: 999_999_999 } });
    expect(r.model.abstract().tasks.t1.waiting?.expires).toBe(String(KTIME_MAX));
  });
  it('the arming task\'s namespace converts, not the creator\'s', () => {
    const r = run([...PLUS_1000, { task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f2' }]);
    // f2 was made outside; t1 cannot see it (the fork came first), so t0 forks t2 into the namespace.
    r.do({ task: 't0', call: 'fork', child: 't2' });
    r.do({ task: 't2', call: 'timerfd_settime', fd: 'f2', abs: true, cancelOnSet: false, value: ts(1000n * S + base.monotonic + S), interval: ZERO });
    expect(r.model.abstract().timers.f2.expires).toBe(String(base.monotonic + S));
  });
});

describe('§7.2 where the conversion applies', () => {
  const cases: [string, Step, string][] = [
    ['relative nanosleep: never', { task: 't1', call: 'nanosleep', value: ts(20n * MS) }, String(base.monotonic + 20n * MS)],
    ['absolute BOOTTIME: boottime offset', { task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_BOOTTIME', abs: true, value: ts(1000n * S + base.boottime + S) }, String(base.boottime + S)],
    ['absolute BOOTTIME_ALARM: converted', { task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_BOOTTIME_ALARM', abs: true, value: ts(1000n * S + base.boottime + S) }, String(base.boottime + S)],
    ['absolute REALTIME: not converted', { task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_REALTIME', abs: true, value: ts(base.realtime + S) }, String(base.realtime + S)],
    ['absolute REALTIME_ALARM: not converted', { task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_REALTIME_ALARM', abs: true, value: ts(base.realtime + S) }, String(base.realtime + S)],
    ['absolute TAI: not converted', { task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_TAI', abs: true, value: ts(base.tai + S) }, String(base.tai + S)],
    ['relative REALTIME: on monotonic', { task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_REALTIME', abs: false, value: ts(S) }, String(base.monotonic + S)],
    ['futex: absolute MONOTONIC converted', { task: 't1', call: 'futex_wait', realtime: false, value: ts(1000n * S + base.monotonic + S) }, String(base.monotonic + S)],
    ['futex: FUTEX_CLOCK_REALTIME not converted', { task: 't1', call: 'futex_wait', realtime: true, value: ts(base.realtime + S) }, String(base.realtime + S)],
  ];
  for (const [name, step, expires] of cases) {
    it(name, () => {
      const r = run(PLUS_1000);
      expect(r.do(step)).toEqual({ pending: true });
      expect(r.model.abstract().tasks.t1.waiting?.expires).toBe(expires);
    });
  }
  it('timer_settime: value 0 disarms before any conversion; an absolute value is converted', () => {
    const r = run([...PLUS_1000, { task: 't1', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k1' }]);
    r.do({ task: 't1', call: 'timer_settime', timer: 'k1', abs: true, value: ts(1000n * S + base.monotonic + S), interval: ZERO });
    expect(r.model.abstract().timers.k1.expires).toBe(String(base.monotonic + S));
    expect(r.do({ task: 't1', call: 'timer_settime', timer: 'k1', abs: true, value: ZERO, interval: ts(S) }))
      .toEqual({ ret: 0, itimer: { value: String(S), interval: '0' } });
    expect(r.model.abstract().timers.k1.expires).toBeNull();
  });
  it('timerfd_settime: a value converted to 0 still arms, and fires at once', () => {
    const r = run([...PLUS_1000, { task: 't1', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f2' }]);
    expect(r.do({ task: 't1', call: 'timerfd_settime', fd: 'f2', abs: true, cancelOnSet: false, value: ts(5n * S), interval: ZERO }).ret).toBe(0);
    expect(r.do({ task: 't1', call: 'read', fd: 'f2' })).toEqual({ ret: 8, value: '1' });
  });
  it('generic rules: RAW and COARSE cannot be slept on; timerfds take five clocks; alarms need CAP_WAKE_ALARM and an RTC', () => {
    const r = run([]);
    for (const clock of ['CLOCK_MONOTONIC_RAW', 'CLOCK_MONOTONIC_COARSE', 'CLOCK_REALTIME_COARSE'] as const) {
      expect(r.do({ task: 't0', call: 'clock_nanosleep', clock, abs: false, value: ts(S) })).toEqual({ err: 'EOPNOTSUPP' });
      expect(r.do({ task: 't0', call: 'timer_create', clock, notify: 'none', timer: 'k9' })).toEqual({ err: 'EOPNOTSUPP' });
      expect(r.do({ task: 't0', call: 'timerfd_create', clock, nonblock: true, fd: 'f9' })).toEqual({ err: 'EINVAL' });
    }
    expect(r.do({ task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_THREAD_CPUTIME_ID', abs: false, value: ts(S) })).toEqual({ err: 'EOPNOTSUPP' });
    expect(r.do({ task: 't0', call: 'clock_nanosleep', clock: 10, abs: false, value: ts(S) })).toEqual({ err: 'EINVAL' });
    expect(r.do({ task: 't0', call: 'nanosleep', value: { sec: '0', nsec: 1_000_000_000 } })).toEqual({ err: 'EINVAL' });
    // timespec64_valid: a negative nsec is as invalid as one of 1e9 or more.
    expect(r.do({ task: 't0', call: 'nanosleep', value: { sec: '1', nsec: -1 } })).toEqual({ err: 'EINVAL' });
    r.do({ task: 't0', call: 'drop_caps', caps: ['CAP_WAKE_ALARM'] });
    expect(r.do({ task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_BOOTTIME_ALARM', abs: true, value: ts(S) })).toEqual({ err: 'EPERM' });
    expect(r.do({ task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME_ALARM', nonblock: true, fd: 'f9' })).toEqual({ err: 'EPERM' });
    const noRtc = run([], environment({ rtc: false }));
    expect(noRtc.do({ task: 't0', call: 'timer_create', clock: 'CLOCK_REALTIME_ALARM', notify: 'none', timer: 'k1' })).toEqual({ err: 'EOPNOTSUPP' });
    expect(noRtc.do({ task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_BOOTTIME_ALARM', abs: false, value: ts(S) })).toEqual({ err: 'EOPNOTSUPP' });
    // No RTC check in timerfd_create (probed on 6.18: the machine has no RTC and it succeeds).
    expect(noRtc.do({ task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME_ALARM', nonblock: true, fd: 'f1' })).toEqual({ ret: 0, handle: 'f1' });
  });
});

describe('§7.3 reported remaining time (+1000 s offset)', () => {
  it('absolute ns_now + 3600 s reports 3600 s; host_now + 5 s (the namespace\'s past) reports 0', () => {
    const r = run([...PLUS_1000,
      { task: 't1', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'none', timer: 'k1' },
      { task: 't1', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f2' }]);
    r.do({ task: 't1', call: 'timer_settime', timer: 'k1', abs: true, value: ts(base.monotonic + 1000n * S + 3600n * S), interval: ZERO });
    expect(r.do({ task: 't1', call: 'timer_gettime', timer: 'k1' })).toEqual({ ret: 0, itimer: { value: String(3600n * S), interval: '0' } });
    expect(r.do({ task: 't0', call: 'fork', child: 't2' }).ret).toBe(0); // outside the namespace: the same answer
    r.do({ task: 't1', call: 'timerfd_settime', fd: 'f2', abs: true, cancelOnSet: false, value: ts(base.monotonic + 5n * S), interval: ZERO });
    expect(r.do({ task: 't1', call: 'timerfd_gettime', fd: 'f2' })).toEqual({ ret: 0, itimer: { value: '0', interval: '0' } });
  });
  it('a timerfd armed at ns_now + 20 ms expires once after 20 ms', () => {
    const r = run([...PLUS_1000, { task: 't1', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f2' }]);
    r.do({ task: 't1', call: 'timerfd_settime', fd: 'f2', abs: true, cancelOnSet: false, value: ts(base.monotonic + 1000n * S + 20n * MS), interval: ZERO });
    expect(r.do({ task: 't1', call: 'read', fd: 'f2' }, after(19n * MS))).toEqual({ err: 'EAGAIN' });
    expect(r.do({ task: 't1', call: 'read', fd: 'f2' }, after(20n * MS))).toEqual({ ret: 8, value: '1' });
    expect(r.do({ task: 't1', call: 'read', fd: 'f2' }, after(2000n * MS))).toEqual({ err: 'EAGAIN' });
  });
});

describe('§7.4 interrupted sleeps', () => {
  it('a relative sleep interrupted by a handler gets EINTR and host expiry - host now', () => {
    const r = run([{ task: 't0', call: 'nanosleep', value: ts(S) }]);
    expect(r.do({ host: 'signal', task: 't0', handler: true }, after(300n * MS)))
      .toEqual({ ret: 0, completions: [{ task: 't0', call: 'nanosleep', err: 'EINTR', time: String(700n * MS) }] });
  });
  it('absolute sleeps and futex waits get EINTR with no remaining time', () => {
    const r = run([{ task: 't0', call: 'fork', child: 't1' },
      { task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: true, value: ts(base.monotonic + S) },
      { task: 't1', call: 'futex_wait', realtime: false, value: ts(base.monotonic + S) }]);
    expect(r.do({ host: 'signal', task: 't0', handler: true }).completions).toEqual([{ task: 't0', call: 'clock_nanosleep', err: 'EINTR' }]);
    expect(r.do({ host: 'signal', task: 't1', handler: true }).completions).toEqual([{ task: 't1', call: 'futex_wait', err: 'EINTR' }]);
  });
  it('without a handler the sleep restarts transparently, re-armed behind equal expiries; a futex times out', () => {
    const r = run([{ task: 't0', call: 'fork', child: 't1' },
      { task: 't0', call: 'nanosleep', value: ts(S) },
      { task: 't1', call: 'futex_wait', realtime: false, value: ts(base.monotonic + S) }]);
    expect(r.do({ host: 'signal', task: 't0', handler: false }, after(300n * MS))).toEqual({ ret: 0 });
    // Same expiry: the restart re-armed t0's hrtimer after t1's was armed, so t1's fires first.
    expect(r.do({ host: 'advance', ns: '0' }, after(S)).completions).toEqual([
      { task: 't1', call: 'futex_wait', err: 'ETIMEDOUT' }, { task: 't0', call: 'nanosleep', ret: 0 }]);
  });
});
