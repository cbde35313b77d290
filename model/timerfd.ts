// timerfd (fs/timerfd.c). A context lives while some fd holds it (fork shares it, the last close frees
// it). When it fires it counts a tick and wakes its reader; a periodic one is re-armed only when read
// or queried (the intervals missed meanwhile count as ticks). TFD_TIMER_CANCEL_ON_SET on an absolute
// realtime timerfd puts it on the cancel list: a set of the clock cancels it, and the next read (or
// settime with the flag) reports ECANCELED once.
import {
  CLOCKS,
  type ClockRef, type FdHandle, type HostClocks, type Observation, type Timespec,
} from '../vocab/index.ts';
import { capable } from './creds.ts';
import {
  baseNow, baseOf, blockTask, clockId, completeWait, hrtimerForward, isAlarm, ktimeAddSafe, ktimeToHost, nextArm,
  timespecToKtime, timespecValid,
} from './ktime.ts';
import { fdLookup, processOf, type ModelState, type Task, type TimerFd } from './state.ts';

const TIMERFD_CLOCKS = [
  CLOCKS.CLOCK_MONOTONIC, CLOCKS.CLOCK_REALTIME, CLOCKS.CLOCK_REALTIME_ALARM, CLOCKS.CLOCK_BOOTTIME,
  CLOCKS.CLOCK_BOOTTIME_ALARM,
] as number[];

// timerfd_create: EINVAL for other clocks, EPERM for alarm clocks without CAP_WAKE_ALARM (capable()).
// There is no RTC check: alarm timerfds work without one (probed on 6.18).
export function sysTimerfdCreate(s: ModelState, t: Task, ref: ClockRef, nonblock: boolean, fd: FdHandle): Observation {
  const id = clockId(ref);
  if (!TIMERFD_CLOCKS.includes(id)) return { err: 'EINVAL' };
  if (isAlarm(id) && !capable(t.creds, s.initUserNs, 'CAP_WAKE_ALARM')) return { err: 'EPERM' };
  const ctx: TimerFd = {
    kind: 'timerfd', handle: fd, clock: id, base: baseOf(id, true), hrExpires: 0n, active: false, expired: false,
    ticks: 0n, interval: 0n, mightCancel: false, canceled: false, armSeq: 0,
  };
  s.timers.push(ctx);
  processOf(s, t).fds!.push({ handle: fd, cloexec: false, file: { kind: 'timerfd', ctx, nonblock } });
  return { ret: 0, handle: fd };
}

// timerfd_fget: EBADF for no fd, EINVAL for an fd that is not a timerfd.
function timerfdFget(s: ModelState, t: Task, fd: FdHandle): TimerFd | 'EBADF' | 'EINVAL' {
  const e = fdLookup(processOf(s, t).fds!, fd);
  if (!e) return 'EBADF';
  return e.file.kind === 'timerfd' ? e.file.ctx : 'EINVAL';
}

// timerfd_canceled: reports a cancel once, then forgets it (moffs is taken afresh).
function timerfdCanceled(ctx: TimerFd): boolean {
  if (!ctx.mightCancel || !ctx.canceled) return false;
  ctx.canceled = false;
  return true;
}

// timerfd_get_remaining: never negative.
function timerfdRemaining(ctx: TimerFd, host: HostClocks): bigint {
  const r = ctx.hrExpires - baseNow(host, ctx.base);
  return r < 0n ? 0n : r;
}

// An expired periodic timerfd moves its expiry past now; returns the intervals passed.
function timerfdForward(s: ModelState, ctx: TimerFd, host: HostClocks, restart: boolean): bigint {
  const f = hrtimerForward(ctx.hrExpires, baseNow(host, ctx.base), ctx.interval);
  ctx.hrExpires = f.expires;
  if (restart) {
    ctx.active = true;
    ctx.armSeq = nextArm(s);
  }
  return f.count;
}

// timerfd_triggered: count a tick and wake the readers.
export function timerfdFire(s: ModelState, ctx: TimerFd, host: HostClocks): void {
  ctx.active = false;
  ctx.expired = true;
  ctx.ticks += 1n;
  timerfdWake(s, ctx, host);
}

/** The reader that takes what a wake-up brings. Readers wait non-exclusively
 *  (wait_event_interruptible_locked_irq), so wake_up_locked wakes them all (__wake_up_common); the one
 *  the scheduler runs first takes ctx->wqh.lock and everything, the others find no ticks and wait again.
 *  Linux leaves the winner to chance: Choices.timerfdReader picks it, by default the longest waiting. */
function reader(s: ModelState, ctx: TimerFd): Task | undefined {
  const readers = s.tasks.filter((t) => t.wait?.timerfd === ctx).sort((a, b) => a.wait!.armSeq - b.wait!.armSeq);
  if (readers.length < 2 || !s.choices.timerfdReader) return readers[0];
  const pick = s.choices.timerfdReader(readers.map((t) => t.handle));
  return readers.find((t) => t.handle === pick) ?? readers[0];
}

// wake_up_locked: the winning reader finishes its read now, if there is something to report.
export function timerfdWake(s: ModelState, ctx: TimerFd, host: HostClocks): void {
  const t = reader(s, ctx);
  if (!t) return;
  const outcome = timerfdReadNow(s, ctx, host);
  if (outcome) completeWait(s, t, outcome);
}

// The body of timerfd_read after the wait: a cancel wins over the ticks; a periodic timer is re-armed.
function timerfdReadNow(s: ModelState, ctx: TimerFd, host: HostClocks): { err: 'ECANCELED' } | { ret: 8; value: string } | null {
  if (timerfdCanceled(ctx)) {
    ctx.ticks = 0n;
    ctx.expired = false;
    return { err: 'ECANCELED' };
  }
  if (ctx.ticks === 0n) return null;
  let ticks = ctx.ticks;
  if (ctx.expired && ctx.interval !== 0n) ticks += timerfdForward(s, ctx, host, true) - 1n;
  ctx.expired = false;
  ctx.ticks = 0n;
  return { ret: 8, value: String(ticks) };
}

// timerfd_read: O_NONBLOCK gives EAGAIN when nothing is there; otherwise wait for a tick.
export function timerfdRead(s: ModelState, t: Task, ctx: TimerFd, nonblock: boolean, host: HostClocks): Observation {
  if (!nonblock && ctx.ticks === 0n) {
    return blockTask(t, {
      call: 'read', clock: ctx.clock, base: ctx.base, expires: null, relative: false, requested: 0n, timerfd: ctx,
      armSeq: nextArm(s),
    });
  }
  return timerfdReadNow(s, ctx, host) ?? { err: 'EAGAIN' };
}

// timerfd_setup_cancel: only an absolute (cancel-on-set) timer on a realtime clock can be canceled.
function timerfdSetupCancel(ctx: TimerFd, abs: boolean, cancelOnSet: boolean): void {
  const realtime = ctx.clock === CLOCKS.CLOCK_REALTIME || ctx.clock === CLOCKS.CLOCK_REALTIME_ALARM;
  ctx.mightCancel = realtime && abs && cancelOnSet;
}

// do_timerfd_settime: EINVAL (flags are always valid here; bad timespec), timerfd_fget, EPERM for alarm
// clocks, the old value (forwarded first if periodic and expired), then timerfd_setup: ticks reset,
// "value 0 disarms" (an alarm keeps its old expiry: see below), an absolute value converted, and
// ECANCELED if a set already canceled it.
export function sysTimerfdSettime(
  s: ModelState, t: Task, fd: FdHandle, abs: boolean, cancelOnSet: boolean, value: Timespec, interval: Timespec,
  host: HostClocks,
): Observation {
  if (!timespecValid(value) || !timespecValid(interval)) return { err: 'EINVAL' };
  const ctx = timerfdFget(s, t, fd);
  if (typeof ctx === 'string') return { err: ctx };
  if (isAlarm(ctx.clock) && !capable(t.creds, s.initUserNs, 'CAP_WAKE_ALARM')) return { err: 'EPERM' };
  timerfdSetupCancel(ctx, abs, cancelOnSet);
  ctx.active = false;
  if (ctx.expired && ctx.interval !== 0n) timerfdForward(s, ctx, host, false);
  const old = { value: String(timerfdRemaining(ctx, host)), interval: String(ctx.interval) };
  ctx.expired = false;
  ctx.ticks = 0n;
  ctx.interval = timespecToKtime(interval);
  const val = timespecToKtime(value);
  ctx.base = baseOf(ctx.clock, abs);
  // hrtimer_init clears the expiry of a disarmed timer; alarm_init leaves an alarm's node.expires as it
  // was, so a disarmed alarm timerfd still reports the time left to its old expiry (probed on 6.18).
  if (!isAlarm(ctx.clock)) ctx.hrExpires = val;
  if (val !== 0n) {
    ctx.hrExpires = abs ? ktimeToHost(ctx.clock, val, t.timeNs!) : ktimeAddSafe(val, baseNow(host, ctx.base));
    ctx.active = true;
    ctx.armSeq = nextArm(s);
    // The cancel check follows hrtimer_start at once; a target already reached fires after it.
    const canceled = timerfdCanceled(ctx);
    if (ctx.hrExpires <= baseNow(host, ctx.base)) timerfdFire(s, ctx, host);
    if (canceled) return { err: 'ECANCELED' };
  }
  return { ret: 0, itimer: old };
}

// do_timerfd_gettime: an expired periodic timer is re-armed first, its missed intervals become ticks.
export function sysTimerfdGettime(s: ModelState, t: Task, fd: FdHandle, host: HostClocks): Observation {
  const ctx = timerfdFget(s, t, fd);
  if (typeof ctx === 'string') return { err: ctx };
  if (ctx.expired && ctx.interval !== 0n) {
    ctx.expired = false;
    ctx.ticks += timerfdForward(s, ctx, host, true) - 1n;
  }
  return { ret: 0, itimer: { value: String(timerfdRemaining(ctx, host)), interval: String(ctx.interval) } };
}

/** Whether an fd, or a reader in the middle of a read, still holds the context (timerfd_release). */
export function timerfdReferenced(s: ModelState, ctx: TimerFd): boolean {
  return s.processes.some((p) => (p.fds ?? []).some((e) => e.file.kind === 'timerfd' && e.file.ctx === ctx))
    || s.tasks.some((t) => t.wait?.timerfd === ctx);
}
