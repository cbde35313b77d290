// Timers as host time passes, the clock is set and processes change: docs/conventions.md "Blocking" and
// "Timers", fs/timerfd.c and kernel/time/posix-timers.c, and behaviours probed on Linux 6.18 with small
// C programs (noted where used).
import { describe, expect, it } from 'vitest';
import type { Step } from '../../vocab/index.ts';
import { after, BASE, MS, run, S, ts, ZERO } from './run.ts';

const base = BASE;

describe('a stretch of time: expiries in the order they are reached, ties in arming order', () => {
  it('an advance fires the earlier expiry first, whatever the arming order', () => {
    const r = run([{ task: 't0', call: 'fork', child: 't1' },
      { task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_BOOTTIME', abs: false, value: ts(10n * MS) },
      { task: 't1', call: 'nanosleep', value: ts(5n * MS) }]);
    expect(r.do({ host: 'advance', ns: '0' }, after(20n * MS)).completions?.map((c) => c.task)).toEqual(['t1', 't0']);
  });
  it('equal expiries: arming order', () => {
    const r = run([{ task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'nanosleep', value: ts(5n * MS) },
      { task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_BOOTTIME', abs: false, value: ts(5n * MS) }]);
    expect(r.do({ host: 'advance', ns: '0' }, after(5n * MS)).completions?.map((c) => c.task)).toEqual(['t1', 't0']);
  });
  it('a suspend: boottime and realtime sleeps end, a monotonic one does not', () => {
    const r = run([{ task: 't0', call: 'fork', child: 't1' }, { task: 't0', call: 'fork', child: 't2' },
      { task: 't0', call: 'nanosleep', value: ts(5n * MS) },
      { task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_BOOTTIME', abs: false, value: ts(5n * MS) },
      { task: 't2', call: 'clock_nanosleep', clock: 'CLOCK_REALTIME', abs: true, value: ts(base.realtime + 5n * MS) }]);
    const slept = { ...base, boottime: base.boottime + S, realtime: base.realtime + S, tai: base.tai + S };
    expect(r.do({ host: 'suspend', ns: String(S) }, slept).completions?.map((c) => c.task)).toEqual(['t1', 't2']);
    expect(r.model.abstract().tasks.t0.state).toBe('blocked');
  });
  it('a blocked task whose sleep ends during its own step\'s tick makes the step', () => {
    const r = run([{ task: 't0', call: 'nanosleep', value: ts(1000n) }]);
    expect(r.do({ task: 't0', call: 'sysinfo' }, after(1000n))).toMatchObject({ ret: 0, completions: [{ task: 't0', call: 'nanosleep', ret: 0 }] });
  });
});

describe('periodic timers', () => {
  it('a SIGEV_SIGNAL timer re-arms when its signal is taken and counts what it missed (probed: 100 ms period, 350 ms: overrun 2)', () => {
    const r = run([{ task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k1' },
      { task: 't0', call: 'timer_settime', timer: 'k1', abs: false, value: ts(100n * MS), interval: ts(100n * MS) }]);
    expect(r.do({ task: 't0', call: 'timer_getoverrun', timer: 'k1' }, after(350n * MS))).toEqual({ ret: 0 });
    expect(r.model.abstract().timers.k1).toMatchObject({ expires: null, signalQueued: true });
    expect(r.do({ task: 't0', call: 'sigwait' }, after(350n * MS))).toEqual({ ret: 34, handle: 'k1', overrun: 2 });
    expect(r.do({ task: 't0', call: 'timer_getoverrun', timer: 'k1' }, after(350n * MS))).toEqual({ ret: 2 });
    expect(r.model.abstract().timers.k1.expires).toBe(String(base.monotonic + 400n * MS));
    expect(r.do({ task: 't0', call: 'sigwait' }, after(350n * MS))).toEqual({ err: 'EAGAIN' });
  });
  it('a one-shot SIGEV_SIGNAL timer that fired reports 0; a signal of a timer reset since is dropped (probed)', () => {
    const r = run([{ task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k1' },
      { task: 't0', call: 'timer_settime', timer: 'k1', abs: false, value: ts(MS), interval: ZERO }]);
    expect(r.do({ task: 't0', call: 'timer_gettime', timer: 'k1' }, after(MS))).toEqual({ ret: 0, itimer: { value: '0', interval: '0' } });
    r.do({ task: 't0', call: 'timer_settime', timer: 'k1', abs: false, value: ts(100n * S), interval: ZERO }, after(MS));
    expect(r.do({ task: 't0', call: 'sigwait' }, after(MS))).toEqual({ err: 'EAGAIN' });
  });
  it('a SIGEV_NONE timer disarmed with 0 still reports the time left of its old expiry (probed on 6.18)', () => {
    const r = run([{ task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'none', timer: 'k1' },
      { task: 't0', call: 'timer_settime', timer: 'k1', abs: false, value: ts(100n * MS), interval: ts(100n * MS) }]);
    expect(r.do({ task: 't0', call: 'timer_gettime', timer: 'k1' }, after(250n * MS))).toEqual({ ret: 0, itimer: { value: String(50n * MS), interval: String(100n * MS) } });
    r.do({ task: 't0', call: 'timer_settime', timer: 'k1', abs: false, value: ZERO, interval: ZERO }, after(250n * MS));
    expect(r.do({ task: 't0', call: 'timer_gettime', timer: 'k1' }, after(260n * MS))).toEqual({ ret: 0, itimer: { value: String(40n * MS), interval: '0' } });
    expect(r.do({ task: 't0', call: 'sigwait' }, after(400n * MS))).toEqual({ err: 'EAGAIN' });
  });
  it('a periodic timerfd counts every expiry by the time it is read', () => {
    const r = run([{ task: 't0', call: 'timerfd_create', clock: 'CLOCK_BOOTTIME', nonblock: true, fd: 'f1' },
      { task: 't0', call: 'timerfd_settime', fd: 'f1', abs: false, cancelOnSet: false, value: ts(10n * MS), interval: ts(10n * MS) }]);
    expect(r.do({ task: 't0', call: 'read', fd: 'f1' }, after(55n * MS))).toEqual({ ret: 8, value: '5' });
    expect(r.do({ task: 't0', call: 'timerfd_gettime', fd: 'f1' }, after(55n * MS))).toEqual({ ret: 0, itimer: { value: String(5n * MS), interval: String(10n * MS) } });
  });
});

describe('clock sets', () => {
  const sleepers: Step[] = [{ task: 't0', call: 'fork', child: 't1' }, { task: 't0', call: 'fork', child: 't2' },
    { task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_REALTIME', abs: true, value: ts(base.realtime + 3600n * S) },
    { task: 't2', call: 'clock_nanosleep', clock: 'CLOCK_REALTIME', abs: false, value: ts(3600n * S) }];
  it('setting the clock reaches absolute realtime sleeps, not relative ones', () => {
    const r = run(sleepers);
    const set = { ...base, realtime: base.realtime + 7200n * S, tai: base.tai + 7200n * S };
    expect(r.do({ host: 'settime', realtime: String(base.realtime + 7200n * S) }, set).completions)
      .toEqual([{ task: 't1', call: 'clock_nanosleep', ret: 0 }]);
    expect(r.model.abstract().tasks.t2.state).toBe('blocked');
  });
  it('a successful clock_settime(CLOCK_REALTIME) does the same in its own step', () => {
    const r = run(sleepers);
    const target = base.realtime + 7200n * S;
    expect(r.do({ task: 't0', call: 'clock_settime', clock: 'CLOCK_REALTIME', sec: String(target / S), nsec: Number(target % S) }))
      .toEqual({ ret: 0, completions: [{ task: 't1', call: 'clock_nanosleep', ret: 0 }] });
  });
  it('a clock_settime(CLOCK_REALTIME) refused for want of CAP_SYS_TIME sets nothing: no sleep ends, no timerfd is canceled', () => {
    // posix_clock_realtime_set -> do_sys_settimeofday64: security_settime64 (cap_settime) fails before
    // do_settimeofday64, whose clock_was_set is what reaches absolute sleeps and cancel-on-set timerfds.
    const r = run([...sleepers, { task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: true, fd: 'f1' },
      { task: 't0', call: 'timerfd_settime', fd: 'f1', abs: true, cancelOnSet: true, value: ts(base.realtime + 3600n * S), interval: ZERO },
      { task: 't0', call: 'drop_caps', caps: ['CAP_SYS_TIME'] }]);
    const target = base.realtime + 7200n * S;
    expect(r.do({ task: 't0', call: 'clock_settime', clock: 'CLOCK_REALTIME', sec: String(target / S), nsec: Number(target % S) }))
      .toEqual({ err: 'EPERM' });
    expect(r.model.abstract().tasks.t1.state).toBe('blocked');
    expect(r.do({ task: 't0', call: 'read', fd: 'f1' })).toEqual({ err: 'EAGAIN' });
  });
  it('a cancel-on-set timerfd: its reader gets ECANCELED once, then reads block again', () => {
    const r = run([{ task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: false, fd: 'f1' },
      { task: 't0', call: 'timerfd_settime', fd: 'f1', abs: true, cancelOnSet: true, value: ts(base.realtime + 3600n * S), interval: ZERO },
      { task: 't0', call: 'thread', child: 't1' }]);
    expect(r.do({ task: 't1', call: 'read', fd: 'f1' })).toEqual({ pending: true });
    expect(r.do({ host: 'settime', realtime: String(base.realtime - S) }, { ...base, realtime: base.realtime - S }).completions)
      .toEqual([{ task: 't1', call: 'read', err: 'ECANCELED' }]);
    expect(r.do({ task: 't1', call: 'read', fd: 'f1' })).toEqual({ pending: true });
  });
  it('without TFD_TIMER_CANCEL_ON_SET nothing is canceled', () => {
    const r = run([{ task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: true, fd: 'f1' },
      { task: 't0', call: 'timerfd_settime', fd: 'f1', abs: true, cancelOnSet: false, value: ts(base.realtime + 3600n * S), interval: ZERO },
      { host: 'settime', realtime: String(base.realtime - S) }]);
    expect(r.do({ task: 't0', call: 'read', fd: 'f1' })).toEqual({ err: 'EAGAIN' });
    expect(r.model.abstract().timers.f1).toMatchObject({ cancelOnSet: false, canceled: false });
  });
});

describe('lifetimes', () => {
  it('exec deletes the process\'s timers: their ids name nothing (EINVAL)', () => {
    const r = run([{ task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k1' },
      { task: 't0', call: 'exec' }]);
    expect(r.model.abstract().timers).toEqual({});
    expect(r.do({ task: 't0', call: 'timer_gettime', timer: 'k1' })).toEqual({ err: 'EINVAL' });
  });
  it('a timer belongs to its process: another process gets EINVAL; it goes when the process ends', () => {
    const r = run([{ task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'none', timer: 'k1' }]);
    expect(r.do({ task: 't0', call: 'timer_delete', timer: 'k1' })).toEqual({ err: 'EINVAL' });
    expect(r.model.abstract().timers.k1.owner).toBe('t1');
    r.do({ task: 't1', call: 'exit' });
    expect(r.model.abstract().timers).toEqual({});
  });
  it('a timerfd lives while an fd holds it: fork shares it, the last close frees it', () => {
    const r = run([{ task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f1' },
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'timerfd_settime', fd: 'f1', abs: false, cancelOnSet: false, value: ts(MS), interval: ZERO }]);
    expect(r.do({ task: 't0', call: 'read', fd: 'f1' }, after(MS))).toEqual({ ret: 8, value: '1' });
    r.do({ task: 't0', call: 'close', fd: 'f1' });
    expect(Object.keys(r.model.abstract().timers)).toEqual(['f1']);
    r.do({ task: 't1', call: 'exit' });
    expect(r.model.abstract().timers).toEqual({});
  });
  it('a blocked call vanishes with its task when a sibling execs', () => {
    const r = run([{ task: 't0', call: 'thread', child: 't1' }, { task: 't1', call: 'nanosleep', value: ts(MS) },
      { task: 't0', call: 'exec' }]);
    expect(r.do({ host: 'advance', ns: '0' }, after(S))).toEqual({ ret: 0 });
    expect(r.model.abstract().tasks.t1).toBeUndefined();
  });
});

describe('resume from suspend (timekeeping_resume -> timerfd_resume)', () => {
  it('cancels a cancel-on-set timerfd after the suspend\'s expiries: the wall clock moved against monotonic', () => {
    const r = run([{ task: 't0', call: 'fork', child: 't1' }, { task: 't0', call: 'fork', child: 't2' },
      { task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: false, fd: 'f1' },
      { task: 't0', call: 'timerfd_settime', fd: 'f1', abs: true, cancelOnSet: true, value: ts(base.realtime + 3600n * S), interval: ZERO },
      { task: 't0', call: 'read', fd: 'f1' },
      { task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_BOOTTIME', abs: false, value: ts(5n * MS) }]);
    const slept = { ...base, boottime: base.boottime + S, realtime: base.realtime + S, tai: base.tai + S };
    expect(r.do({ host: 'suspend', ns: String(S) }, slept).completions).toEqual([
      { task: 't1', call: 'clock_nanosleep', ret: 0 }, { task: 't0', call: 'read', err: 'ECANCELED' }]);
  });
  it('an advance, which moves both clocks together, cancels nothing', () => {
    const r = run([{ task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: true, fd: 'f1' },
      { task: 't0', call: 'timerfd_settime', fd: 'f1', abs: true, cancelOnSet: true, value: ts(base.realtime + 3600n * S), interval: ZERO }]);
    expect(r.do({ host: 'advance', ns: String(S) }, after(S)).completions).toBeUndefined();
    expect(r.do({ task: 't0', call: 'read', fd: 'f1' }, after(S + 1000n))).toEqual({ err: 'EAGAIN' });
  });
});
