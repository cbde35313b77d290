// POSIX interval timers (kernel/time/posix-timers.c as reworked in 6.13, alarmtimer.c, the CPU-timer
// stubs of posix-cpu-timers.c) and the dequeue of their signals. A SIGEV_SIGNAL timer queues SIGRTMIN
// to its process when it expires; a periodic one is re-armed only when that signal is taken, and the
// intervals it missed become the overrun. A SIGEV_NONE timer is never started: its expiry is only read.
import { INT_MAX, type AbstractWriter, type Errno, type Observation, type TimerHandle, type Timespec } from '../vocab/index.ts';
import { capBit, capCapable } from './cred.ts';
import { hrtimerCancel, hrtimerForward, hrtimerInit, hrtimerRestart, hrtimerStart, ktimeAddSafe, type HrTimer } from './hrtimer.ts';
import { negativeKclock } from './posix_cpu_timers.ts';
import type { Kernel, Task, ThreadGroup } from './sched.ts';
import { clockBase, timensKtimeToHost, timespecToKtime, timespecValid } from './timekeeping.ts';

const SIGRTMIN = 34;

export interface KItimer {
  handle: TimerHandle;
  /** it_signal: the owning process. */
  group: ThreadGroup;
  clock: number;
  notify: 'none' | 'signal';
  tmr: HrTimer;
  interval: bigint;
  /** it_status: DISARMED, ARMED, or REQUEUE_PENDING (expired, waiting for its signal to be taken). */
  status: 'disarmed' | 'armed' | 'requeue';
  /** SIGEV_NONE: set with a value, so its expiry means something. */
  set: boolean;
  /** it_overrun (from -1) and it_overrun_last, the overrun of the last delivered signal. */
  overrun: bigint;
  overrunLast: bigint;
  /** The queued signal belongs to an earlier setting (it_signal_seq moved on): dropped on dequeue
   *  (delivered all the same before 6.13). */
  stale: boolean;
  /** Before 6.13: the queued signal's si_overrun, the re-sends it absorbed. */
  siOverrun: number;
  /** Whether this kernel has it_signal_seq (impl/features.ts posixTimersSignalSeq). */
  signalSeq: boolean;
}

function overrunToInt(v: bigint): number {
  return v > BigInt(INT_MAX) ? INT_MAX : Number(v);
}

/** posix_timer_fn() -> posix_timer_queue_signal(): at most one queued signal per timer; a stale one
 *  still queued is taken over where it stands. */
function posixTimerFn(t: KItimer): void {
  t.status = t.interval !== 0n ? 'requeue' : 'disarmed';
  t.stale = false;
  if (!t.group.sigQueue.has(t)) {
    t.group.sigQueue.add(t);
    t.siOverrun = 0;
  } else if (!t.signalSeq) {
    t.siOverrun++; // send_sigqueue(): "If an SI_TIMER entry is already queue just increment the overrun count."
  }
}

export function sysTimerCreate(k: Kernel, me: Task, clk: number, notify: 'none' | 'signal', handle: TimerHandle): Errno | null {
  // clockid_to_kclock(): no clock, EINVAL; a clock without timers, EOPNOTSUPP.
  if (clk < 0) {
    const kc = negativeKclock(clk);
    if (kc.timerCreate === null) return 'EOPNOTSUPP';
    const err = kc.timerCreate(k, me, clk);
    if (err !== null) return err;
  } else if (clk === 10 || clk > 11) {
    return 'EINVAL';
  } else if (clk === 4 || clk === 5 || clk === 6) {
    return 'EOPNOTSUPP';
  } else if (clk === 8 || clk === 9) {
    // alarm_timer_create()
    if (!k.env.rtc) return 'EOPNOTSUPP';
    if (!capCapable(me.cred, k.initUserNs, capBit('CAP_WAKE_ALARM'))) return 'EPERM';
  }
  const t: KItimer = {
    handle, group: me.group, clock: clk, notify, tmr: null as unknown as HrTimer, interval: 0n, status: 'disarmed',
    set: false, overrun: -1n, overrunLast: 0n, stale: false, siOverrun: 0, signalSeq: k.features.posixTimersSignalSeq,
  };
  t.tmr = hrtimerInit(() => posixTimerFn(t), clockBase(clk, false));
  k.posixTimers.set(handle, t);
  me.group.timers.add(t);
  return null;
}

/** lock_timer(): the id must name a timer of the caller's process. */
function lockTimer(k: Kernel, me: Task, h: TimerHandle): KItimer | undefined {
  const t = k.posixTimers.get(h);
  return t !== undefined && t.group === me.group ? t : undefined;
}

/** common_timer_get(): time left, forwarding a periodic timer that is not armed (its signal is
 *  queued, or it is SIGEV_NONE) past now and counting the missed intervals. */
function commonTimerGet(k: Kernel, t: KItimer): { value: bigint; interval: bigint } {
  const sigNone = t.notify === 'none';
  const iv = t.interval;
  if (iv === 0n && t.status === 'disarmed' && !sigNone) return { value: 0n, interval: 0n };
  const now = k.hrtimers.now[t.tmr.base];
  if (iv !== 0n && t.status !== 'armed') t.overrun += hrtimerForward(t.tmr, now, iv);
  const remaining = t.tmr.expires - now;
  // A timer whose signal is still on its way reports 1 ns, never 0.
  if (remaining <= 0n) return { value: sigNone ? 0n : 1n, interval: iv };
  return { value: remaining, interval: iv };
}

export function sysTimerSettime(k: Kernel, me: Task, h: TimerHandle, abs: boolean, value: Timespec, interval: Timespec): Observation {
  if (!timespecValid(value) || !timespecValid(interval)) return { err: 'EINVAL' };
  const t = lockTimer(k, me, h);
  if (t === undefined) return { err: 'EINVAL' };
  const old = commonTimerGet(k, t);
  // common_timer_set(): stop it, then posix_timer_set_common().
  hrtimerCancel(k.hrtimers, t.tmr);
  t.status = 'disarmed';
  let expires = timespecToKtime(value);
  t.interval = expires !== 0n ? timespecToKtime(interval) : 0n;
  t.overrunLast = 0n;
  t.overrun = -1n;
  // it_signal_seq++: a signal still queued no longer counts.
  if (t.group.sigQueue.has(t)) t.stale = true;
  t.set = expires !== 0n;
  const itimer = { value: old.value.toString(), interval: old.interval.toString() };
  if (expires === 0n) return { ret: 0, itimer };
  const base = clockBase(t.clock, abs);
  expires = abs ? timensKtimeToHost(k, me.nsproxy!.timeNs, t.clock, expires) : ktimeAddSafe(k.hrtimers.now[base], expires);
  if (t.notify === 'none') {
    t.tmr.expires = expires;
    t.tmr.base = base;
  } else {
    // ARMED before the start: a target already reached fires inside it.
    t.status = 'armed';
    hrtimerStart(k.hrtimers, t.tmr, expires, base);
  }
  return { ret: 0, itimer };
}

export function sysTimerGettime(k: Kernel, me: Task, h: TimerHandle): Observation {
  const t = lockTimer(k, me, h);
  if (t === undefined) return { err: 'EINVAL' };
  const cur = commonTimerGet(k, t);
  return { ret: 0, itimer: { value: cur.value.toString(), interval: cur.interval.toString() } };
}

export function sysTimerGetoverrun(k: Kernel, me: Task, h: TimerHandle): Observation {
  const t = lockTimer(k, me, h);
  if (t === undefined) return { err: 'EINVAL' };
  return { ret: overrunToInt(t.overrunLast) };
}

/** posix_timer_delete(): stop it and forget its queued signal (before 6.13 sigqueue_free() leaves a
 *  queued one to be delivered). */
function posixTimerDelete(k: Kernel, t: KItimer): void {
  hrtimerCancel(k.hrtimers, t.tmr);
  if (t.signalSeq) t.group.sigQueue.delete(t);
  else if (t.group.sigQueue.has(t)) t.stale = true;
  t.group.timers.delete(t);
  t.status = 'disarmed';
  if (k.posixTimers.get(t.handle) === t) k.posixTimers.delete(t.handle);
}

export function sysTimerDelete(k: Kernel, me: Task, h: TimerHandle): Errno | null {
  const t = lockTimer(k, me, h);
  if (t === undefined) return 'EINVAL';
  posixTimerDelete(k, t);
  return null;
}

/** exit_itimers(): at exec and when the process ends. */
export function exitItimers(k: Kernel, g: ThreadGroup): void {
  for (const t of [...g.timers]) posixTimerDelete(k, t);
  // flush_itimer_signals() at exec; at exit the queue goes with the process.
  g.sigQueue.clear();
}

/** sigtimedwait({SIGRTMIN}, 0): dequeue the oldest timer signal; posixtimer_deliver_signal()
 *  re-arms a periodic timer from now and hands over the overrun. Stale signals are dropped. */
export function sysSigwait(k: Kernel, me: Task): Observation {
  const q = me.group.sigQueue;
  for (const t of q) {
    q.delete(t);
    if (t.stale) {
      t.stale = false;
      if (t.signalSeq) continue;
      return { ret: SIGRTMIN, handle: t.handle, overrun: t.siOverrun };
    }
    let overrun = t.signalSeq ? 0 : t.siOverrun;
    if (t.interval !== 0n && t.status === 'requeue') {
      t.overrun += hrtimerForward(t.tmr, k.hrtimers.now[t.tmr.base], t.interval);
      t.status = 'armed';
      hrtimerRestart(k.hrtimers, t.tmr);
      t.overrunLast = t.overrun;
      t.overrun = -1n;
      overrun = overrunToInt(t.overrunLast + BigInt(overrun));
    }
    return { ret: SIGRTMIN, handle: t.handle, overrun };
  }
  return { err: 'EAGAIN' };
}

export function posixTimerWrite(t: KItimer, w: AbstractWriter): void {
  const live = t.notify === 'none' ? t.set : t.status === 'armed';
  w.open(t.handle);
  w.put('kind', 'posix');
  w.put('owner', t.group.leader.handle);
  w.put('clock', t.clock);
  w.put('expires', live ? t.tmr.expires : null);
  w.put('interval', t.interval);
  w.put('notify', t.notify);
  w.put('signalQueued', t.group.sigQueue.has(t) && (!t.stale || !t.signalSeq));
  w.put('overrun', overrunToInt(t.overrunLast));
  w.close();
}

