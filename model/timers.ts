// POSIX timers (kernel/time/posix-timers.c as of 6.13+, alarmtimer.c, posix-cpu-timers.c) and the
// sigtimedwait that takes their signals. A timer belongs to its process; an absolute value is converted
// out of the arming task's time namespace, after the "value 0 disarms" check. A SIGEV_SIGNAL timer that
// fires queues SIGRTMIN once; a periodic one is re-armed only when that signal is taken, counting the
// intervals it missed as the overrun. SIGEV_NONE timers are never queued: reading them forwards them.
import {
  CLOCKS, INT_MAX,
  type ClockRef, type HostClocks, type Observation, type Timespec, type TimerHandle,
} from '../vocab/index.ts';
import { isClockFd, pidForClock } from './cpuclocks.ts';
import { capable } from './creds.ts';
import { kernelChanges } from './profile.ts';
import {
  baseNow, baseOf, clockId, hrtimerForward, isAlarm, ktimeAddSafe, ktimeToHost, nextArm,
  timespecToKtime, timespecValid, validClock,
} from './ktime.ts';
import { processOf, type ModelState, type PosixTimer, type Task } from './state.ts';

const NO_TIMER_CREATE = [CLOCKS.CLOCK_MONOTONIC_RAW, CLOCKS.CLOCK_REALTIME_COARSE, CLOCKS.CLOCK_MONOTONIC_COARSE] as number[];

// do_timer_create: EINVAL (no such clock), EOPNOTSUPP (no timers on it: a clock fd's
// clock_posix_dynamic has none either), then the clock's own timer_create: posix_cpu_timer_create needs
// pid_for_clock(clock, false) (EINVAL), alarm_timer_create refuses without an RTC (EOPNOTSUPP) or
// CAP_WAKE_ALARM (EPERM).
export function sysTimerCreate(s: ModelState, t: Task, ref: ClockRef, notify: 'none' | 'signal', handle: TimerHandle): Observation {
  const id = clockId(ref);
  if (!validClock(id)) return { err: 'EINVAL' };
  if (NO_TIMER_CREATE.includes(id) || isClockFd(id)) return { err: 'EOPNOTSUPP' };
  if (id < 0 && !pidForClock(s, t, id, false)) return { err: 'EINVAL' };
  if (isAlarm(id)) {
    if (!s.env.rtc) return { err: 'EOPNOTSUPP' };
    if (!capable(t.creds, s.initUserNs, 'CAP_WAKE_ALARM')) return { err: 'EPERM' };
  }
  s.timers.push({
    kind: 'posix', handle, tgid: t.tgid, clock: id, notify, base: baseOf(id, true), hrExpires: 0n,
    status: 'disarmed', noneArmed: false, interval: 0n, overrun: -1n, overrunLast: 0n,
    signalSeq: 0, sigqueueSeq: 0, siOverrun: 0, armSeq: 0,
  });
  return { ret: 0, handle };
}

// __lock_timer: the id must name a live timer of the caller's own process.
function lockTimer(s: ModelState, t: Task, handle: TimerHandle): PosixTimer | undefined {
  return s.timers.find((x): x is PosixTimer => x.kind === 'posix' && x.handle === handle && x.tgid === t.tgid);
}

// common_timer_get (posix_cpu_timer_get decides alike for CPU clocks: a SIGEV_NONE one reports the time
// left too): time left and the interval. An interval timer waiting for its signal, or a SIGEV_NONE one,
// is first forwarded past now.
function timerGet(k: PosixTimer, host: HostClocks): { value: bigint; interval: bigint } {
  const now = baseNow(host, k.base);
  const sigNone = k.notify === 'none';
  if (k.interval === 0n && k.status === 'disarmed' && !sigNone) return { value: 0n, interval: 0n };
  if (k.interval !== 0n && k.status !== 'armed') {
    const f = hrtimerForward(k.hrExpires, now, k.interval);
    k.overrun += f.count;
    k.hrExpires = f.expires;
  }
  const remaining = k.hrExpires - now;
  // A timer with a signal still to deliver reports at least 1 ns; an expired SIGEV_NONE one 0.
  if (remaining <= 0n) return { value: sigNone ? 0n : 1n, interval: k.interval };
  return { value: remaining, interval: k.interval };
}

const itimer = (v: { value: bigint; interval: bigint }) => ({ value: String(v.value), interval: String(v.interval) });

export function sysTimerGettime(s: ModelState, t: Task, handle: TimerHandle, host: HostClocks): Observation {
  const k = lockTimer(s, t, handle);
  if (!k) return { err: 'EINVAL' };
  return { ret: 0, itimer: itimer(timerGet(k, host)) };
}

// posix_timer_queue_signal -> posixtimer_send_sigqueue: the signal is queued at most once; a re-send
// while it is still queued revalidates it in place (before 6.13, send_sigqueue also counts it in the
// queued signal's si_overrun).
export function posixTimerFire(s: ModelState, k: PosixTimer): void {
  k.status = k.interval !== 0n ? 'requeue' : 'disarmed';
  k.sigqueueSeq = k.signalSeq;
  const p = s.processes.find((x) => x.tgid === k.tgid);
  if (!p) return;
  if (!p.sigqueue.includes(k)) {
    p.sigqueue.push(k);
    k.siOverrun = 0;
  } else if (!kernelChanges(s.env).staleTimerSignalsDropped) {
    k.siOverrun++;
  }
}

// common_hrtimer_arm / alarm_timer_arm / posix_cpu_timer_set: a relative value counts from the base's
// now; a target already reached fires at once.
function timerArm(s: ModelState, k: PosixTimer, expires: bigint, abs: boolean, host: HostClocks): void {
  k.base = baseOf(k.clock, abs);
  k.hrExpires = abs ? expires : ktimeAddSafe(expires, baseNow(host, k.base));
  k.armSeq = nextArm(s);
  if (k.notify === 'none') {
    k.noneArmed = true;
    return;
  }
  k.status = 'armed';
  if (k.hrExpires <= baseNow(host, k.base)) posixTimerFire(s, k);
}

// do_timer_settime: EINVAL for a bad timespec, then for a bad id; common_timer_set: the old setting,
// cancel, reset the interval and the overrun accounting, "value 0 disarms", convert an absolute value.
export function sysTimerSettime(
  s: ModelState, t: Task, handle: TimerHandle, abs: boolean, value: Timespec, interval: Timespec, host: HostClocks,
): Observation {
  if (!timespecValid(interval) || !timespecValid(value)) return { err: 'EINVAL' };
  const k = lockTimer(s, t, handle);
  if (!k) return { err: 'EINVAL' };
  const old = timerGet(k, host);
  k.signalSeq++; // a signal still queued from the old setting is dropped when taken
  k.status = 'disarmed';
  k.noneArmed = false;
  const val = timespecToKtime(value);
  k.interval = val !== 0n ? timespecToKtime(interval) : 0n;
  k.overrunLast = 0n;
  k.overrun = -1n;
  if (val !== 0n) timerArm(s, k, abs ? ktimeToHost(k.clock, val, t.timeNs!) : val, abs, host);
  return { ret: 0, itimer: itimer(old) };
}

// timer_getoverrun: it_overrun_last, clamped to INT_MAX.
export function sysTimerGetoverrun(s: ModelState, t: Task, handle: TimerHandle): Observation {
  const k = lockTimer(s, t, handle);
  if (!k) return { err: 'EINVAL' };
  return { ret: k.overrunLast > BigInt(INT_MAX) ? INT_MAX : Number(k.overrunLast) };
}

// posix_timer_delete: invalidate, cancel, and drop a queued signal (it would be dropped when taken).
// Before 6.13 sigqueue_free leaves a queued signal in the queue, to be delivered.
function posixTimerDelete(s: ModelState, k: PosixTimer): void {
  s.timers = s.timers.filter((x) => x !== k);
  if (!kernelChanges(s.env).staleTimerSignalsDropped) return;
  for (const p of s.processes) p.sigqueue = p.sigqueue.filter((x) => x !== k);
}

export function sysTimerDelete(s: ModelState, t: Task, handle: TimerHandle): Observation {
  const k = lockTimer(s, t, handle);
  if (!k) return { err: 'EINVAL' };
  posixTimerDelete(s, k);
  return { ret: 0 };
}

// exit_itimers: at exec (begin_new_exec) and when the last thread of the process exits.
export function exitItimers(s: ModelState, tgid: number): void {
  for (const k of s.timers) if (k.kind === 'posix' && k.tgid === tgid) posixTimerDelete(s, k);
}

// sigtimedwait({SIGRTMIN}, {0, 0}) -> dequeue_signal -> posixtimer_deliver_signal: signals of timers
// that were reset or deleted since are dropped; a periodic timer is re-armed from now
// (common_hrtimer_rearm) and the intervals it missed become the overrun. Before 6.13 a stale signal
// is delivered as it stands (posixtimer_rearm finds it_requeue_pending moved on and re-arms nothing),
// and every signal carries its si_overrun besides.
export function sysSigwait(s: ModelState, t: Task, host: HostClocks): Observation {
  const p = processOf(s, t);
  const dropStale = kernelChanges(s.env).staleTimerSignalsDropped;
  const clamp = (n: bigint) => (n > BigInt(INT_MAX) ? INT_MAX : Number(n));
  while (p.sigqueue.length > 0) {
    const k = p.sigqueue.shift()!;
    if (k.signalSeq !== k.sigqueueSeq || !s.timers.includes(k)) {
      if (dropStale) continue;
      return { ret: 34, handle: k.handle, overrun: clamp(BigInt(k.siOverrun)) };
    }
    if (k.interval !== 0n && k.status === 'requeue') {
      const f = hrtimerForward(k.hrExpires, baseNow(host, k.base), k.interval);
      k.overrun += f.count;
      k.hrExpires = f.expires;
      k.armSeq = nextArm(s);
      k.status = 'armed';
      k.overrunLast = k.overrun;
      k.overrun = -1n;
      k.signalSeq++;
    }
    const overrun = (k.interval !== 0n ? k.overrunLast : 0n) + (dropStale ? 0n : BigInt(k.siOverrun));
    return { ret: 34, handle: k.handle, overrun: clamp(overrun) };
  }
  return { err: 'EAGAIN' };
}
