// timerfd (fs/timerfd.c): a timer read through a file. It lives while an fd (or a read in progress)
// holds its file. Its hrtimer does not restart itself: a periodic timerfd that expired is forwarded
// and re-armed by the next read or gettime, which count the intervals it missed into the ticks.
import type { AbstractWriter, Errno, FdHandle, Observation, Timespec } from '../vocab/index.ts';
import { capBit, capCapable } from './cred.ts';
import { allocFile, fdInstall } from './files.ts';
import { hrtimerCancel, hrtimerForwardNow, hrtimerInit, hrtimerRemaining, hrtimerRestart, hrtimerStart, ktimeAddSafe, type HrTimer } from './hrtimer.ts';
import type { File, Kernel, Task } from './sched.ts';
import { blockTask, finishWait } from './signal.ts';
import { clockBase, timensKtimeToHost, timespecToKtime, timespecValid } from './timekeeping.ts';

export interface TimerfdCtx {
  /** The handle of the fd that created it: its name in the abstract state. */
  handle: FdHandle;
  clockid: number;
  nonblock: boolean;
  tmr: HrTimer;
  tintv: bigint;
  ticks: bigint;
  /** The hrtimer expired and has not been forwarded since. */
  expired: boolean;
  /** On the cancel list. */
  mightCancel: boolean;
  /** moffs == KTIME_MAX: the clock was set since the last check. */
  canceled: boolean;
  /** Tasks blocked in read, in the order they started waiting. */
  readers: Task[];
}

const TIMERFD_CLOCKS = new Set([0, 1, 7, 8, 9]);

function isAlarm(clk: number): boolean {
  return clk === 8 || clk === 9;
}

/** timerfd_tmrproc(): count the expiry and wake the readers. */
function timerfdTmrproc(k: Kernel, ctx: TimerfdCtx): void {
  ctx.expired = true;
  ctx.ticks++;
  timerfdWake(k, ctx);
}

/** wake_up(): each woken reader in turn takes what there is to take; the others wait on. */
function timerfdWake(k: Kernel, ctx: TimerfdCtx): void {
  while (ctx.readers.length > 0 && ctx.ticks > 0n) {
    const r = ctx.readers.shift()!;
    const res = timerfdConsume(k, ctx);
    finishWait(k, r, res.err !== undefined ? { err: res.err } : { ret: 8, value: res.value });
  }
}

/** The part of timerfd_read() after the wait. */
function timerfdConsume(k: Kernel, ctx: TimerfdCtx): Observation {
  if (timerfdCanceled(ctx)) {
    ctx.ticks = 0n;
    ctx.expired = false;
    return { err: 'ECANCELED' };
  }
  let ticks = ctx.ticks;
  if (ctx.expired && ctx.tintv !== 0n) {
    // Re-armed here, not in the callback, so that a tiny interval cannot flood the machine.
    ticks += hrtimerForwardNow(k.hrtimers, ctx.tmr, ctx.tintv) - 1n;
    hrtimerRestart(k.hrtimers, ctx.tmr);
  }
  ctx.expired = false;
  ctx.ticks = 0n;
  return { ret: 8, value: ticks.toString() };
}

/** timerfd_canceled(): report a clock set once, then look for the next one. */
function timerfdCanceled(ctx: TimerfdCtx): boolean {
  if (!ctx.mightCancel || !ctx.canceled) return false;
  ctx.canceled = false;
  return true;
}

export function sysTimerfdCreate(k: Kernel, me: Task, clk: number, nonblock: boolean, fd: FdHandle): Errno | null {
  if (!TIMERFD_CLOCKS.has(clk)) return 'EINVAL';
  // No RTC check here, unlike timer_create: the kernel answers a timerfd on an ALARM clock without one.
  if (isAlarm(clk) && !capCapable(me.cred, k.initUserNs, capBit('CAP_WAKE_ALARM'))) return 'EPERM';
  const ctx: TimerfdCtx = {
    handle: fd, clockid: clk, nonblock, tmr: null as unknown as HrTimer, tintv: 0n, ticks: 0n, expired: false,
    mightCancel: false, canceled: false, readers: [],
  };
  ctx.tmr = hrtimerInit(() => timerfdTmrproc(k, ctx), clockBase(clk, false));
  fdInstall(k, me.files!, fd, allocFile(me.cred, { kind: 'timerfd', ctx }), false);
  k.timerfds.set(fd, ctx);
  return null;
}

/** The last reference to the file is gone. */
export function timerfdRelease(k: Kernel, ctx: TimerfdCtx): void {
  hrtimerCancel(k.hrtimers, ctx.tmr);
  k.cancelList.delete(ctx);
  if (k.timerfds.get(ctx.handle) === ctx) k.timerfds.delete(ctx.handle);
}

function timerfdGet(me: Task, fd: FdHandle): TimerfdCtx | Errno {
  const e = me.files!.fds.get(fd);
  if (e === undefined) return 'EBADF';
  return e.file.f.kind === 'timerfd' ? e.file.f.ctx : 'EINVAL';
}

function timerfdRemaining(k: Kernel, ctx: TimerfdCtx): bigint {
  const r = hrtimerRemaining(k.hrtimers, ctx.tmr);
  return r < 0n ? 0n : r;
}

/** timerfd_setup_cancel(): only an absolute realtime timerfd can be canceled by a clock set. */
function timerfdSetupCancel(k: Kernel, ctx: TimerfdCtx, abs: boolean, cancelOnSet: boolean): void {
  if ((ctx.clockid === 0 || ctx.clockid === 8) && abs && cancelOnSet) {
    ctx.mightCancel = true;
    k.cancelList.add(ctx);
  } else {
    ctx.mightCancel = false;
    k.cancelList.delete(ctx);
  }
}

export function sysTimerfdSettime(
  k: Kernel, me: Task, fd: FdHandle, abs: boolean, cancelOnSet: boolean, value: Timespec, interval: Timespec,
): Observation {
  if (!timespecValid(value) || !timespecValid(interval)) return { err: 'EINVAL' };
  const ctx = timerfdGet(me, fd);
  if (typeof ctx === 'string') return { err: ctx };
  // do_timerfd_settime(): arming an alarm timerfd needs CAP_WAKE_ALARM now, not only at creation.
  if (isAlarm(ctx.clockid) && !capCapable(me.cred, k.initUserNs, capBit('CAP_WAKE_ALARM'))) return { err: 'EPERM' };
  timerfdSetupCancel(k, ctx, abs, cancelOnSet);
  hrtimerCancel(k.hrtimers, ctx.tmr);
  // An expired periodic timer is forwarded so that the old value tells the next expiry.
  if (ctx.expired && ctx.tintv !== 0n) hrtimerForwardNow(k.hrtimers, ctx.tmr, ctx.tintv);
  const old = { value: timerfdRemaining(k, ctx).toString(), interval: ctx.tintv.toString() };
  // timerfd_setup()
  let texp = timespecToKtime(value);
  ctx.expired = false;
  ctx.ticks = 0n;
  ctx.tintv = timespecToKtime(interval);
  const base = clockBase(ctx.clockid, abs);
  ctx.tmr.base = base;
  // alarm_init() re-initialises the alarm's hrtimer but not alarm->node.expires, which
  // alarm_expires_remaining() reads: a disarmed alarm timerfd keeps reporting its old expiry.
  if (!isAlarm(ctx.clockid)) ctx.tmr.expires = texp;
  if (texp !== 0n) {
    texp = abs ? timensKtimeToHost(k, me.nsproxy!.timeNs, ctx.clockid, texp) : ktimeAddSafe(k.hrtimers.now[base], texp);
    // timerfd_setup() runs under spin_lock_irq(&ctx->wqh.lock): a timer started in the past cannot fire,
    // nor its reader take the cancel, before timerfd_canceled() has looked.
    const canceled = timerfdCanceled(ctx);
    hrtimerStart(k.hrtimers, ctx.tmr, texp, base);
    if (canceled) return { err: 'ECANCELED' };
  }
  return { ret: 0, itimer: old };
}

export function sysTimerfdGettime(k: Kernel, me: Task, fd: FdHandle): Observation {
  const ctx = timerfdGet(me, fd);
  if (typeof ctx === 'string') return { err: ctx };
  if (ctx.expired && ctx.tintv !== 0n) {
    ctx.expired = false;
    ctx.ticks += hrtimerForwardNow(k.hrtimers, ctx.tmr, ctx.tintv) - 1n;
    hrtimerRestart(k.hrtimers, ctx.tmr);
  }
  return { ret: 0, itimer: { value: timerfdRemaining(k, ctx).toString(), interval: ctx.tintv.toString() } };
}

/** timerfd_read(): ticks to report, EAGAIN, ECANCELED, or wait. The waiting read holds the file. */
export function timerfdRead(k: Kernel, me: Task, file: File, ctx: TimerfdCtx): Observation {
  if (ctx.ticks === 0n) {
    if (ctx.nonblock) {
      if (timerfdCanceled(ctx)) return { err: 'ECANCELED' };
      return { err: 'EAGAIN' };
    }
    file.count++;
    ctx.readers.push(me);
    return blockTask(me, 'read', ctx.clockid, null, false, file);
  }
  return timerfdConsume(k, ctx);
}

export function timerfdRemoveReader(file: File, t: Task): void {
  if (file.f.kind !== 'timerfd') return;
  const r = file.f.ctx.readers;
  const i = r.indexOf(t);
  if (i >= 0) r.splice(i, 1);
}

/** timerfd_clock_was_set(): mark every timerfd on the cancel list and count it as an event; the
 *  caller wakes their readers in order with the timers the jump reached. */
export function timerfdClockWasSet(k: Kernel): Array<{ seq: number; wake: () => void }> {
  const out: Array<{ seq: number; wake: () => void }> = [];
  for (const ctx of k.cancelList) {
    ctx.canceled = true;
    ctx.ticks++;
    out.push({ seq: ctx.tmr.seq, wake: () => timerfdWake(k, ctx) });
  }
  return out;
}

export function timerfdWrite(ctx: TimerfdCtx, w: AbstractWriter): void {
  w.open(ctx.handle);
  w.put('kind', 'timerfd');
  w.put('owner', null);
  w.put('clock', ctx.clockid);
  w.put('expires', ctx.tmr.index >= 0 ? ctx.tmr.expires : null);
  w.put('interval', ctx.tintv);
  w.put('ticks', ctx.ticks);
  w.put('cancelOnSet', ctx.mightCancel);
  w.put('canceled', ctx.canceled);
  w.close();
}
