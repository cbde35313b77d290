// Host time reaching timers and sleeps: the stretch of time before each step (the 1 µs tick, then an
// advance or a suspend), sets of the realtime clock (clock_was_set: hrtimer bases retriggered,
// timerfd_clock_was_set), and signals sent to a task in a blocking call. Every expiry is found by
// scanning every timer and every waiting task; the earliest one on the host's time line fires first,
// ties in arming order (docs/conventions.md, "Blocking" and "Timers").
import type { HostClocks, TaskHandle } from '../vocab/index.ts';
import { nextArm } from './ktime.ts';
import { sleepExpired, waitInterrupted } from './sleep.ts';
import { posixTimerFire } from './timers.ts';
import { timerfdFire, timerfdWake } from './timerfd.ts';
import { taskByHandle, type Base, type ModelState, type TimerFd } from './state.ts';

/** Something armed on a host clock base: a SIGEV_SIGNAL POSIX timer, a timerfd, or a waiting task. */
interface Armed { base: Exclude<Base, null>; expires: bigint; armSeq: number; fire: (at: HostClocks) => void }

function armedItems(s: ModelState): Armed[] {
  const items: Armed[] = [];
  for (const k of s.timers) {
    if (k.base === null) continue; // CPU-time clocks: no CPU time is given to timers' processes
    if (k.kind === 'posix' && k.status === 'armed' && k.notify === 'signal') {
      items.push({ base: k.base, expires: k.hrExpires, armSeq: k.armSeq, fire: () => posixTimerFire(s, k) });
    }
    if (k.kind === 'timerfd' && k.active) {
      items.push({ base: k.base, expires: k.hrExpires, armSeq: k.armSeq, fire: (at) => timerfdFire(s, k, at) });
    }
  }
  for (const t of s.tasks) {
    const w = t.wait;
    if (w && w.base !== null && w.expires !== null) {
      items.push({ base: w.base, expires: w.expires, armSeq: w.armSeq, fire: () => sleepExpired(s, t) });
    }
  }
  return items;
}

// A stretch of length `span` (the growth of boottime, which always runs): realtime and tai run with
// it; monotonic runs only for its first `monoSpan` (the tick comes first; during a suspend it stands
// still). The instant an expiry is reached, measured from the start, or null if not in the stretch.
function instantOf(from: HostClocks, span: bigint, monoSpan: bigint, a: Armed): bigint | null {
  const d = a.expires - from[a.base];
  if (d <= 0n) return 0n;
  return d <= (a.base === 'monotonic' ? monoSpan : span) ? d : null;
}

/** Let host time run from the last step's clocks to `to`, firing whatever it reaches, in order. */
export function passTime(s: ModelState, to: HostClocks): void {
  const from = s.now ?? to;
  const span = to.boottime - from.boottime;
  const monoSpan = to.monotonic - from.monotonic;
  const at = (x: bigint): HostClocks => ({
    ...to,
    monotonic: from.monotonic + (x < monoSpan ? x : monoSpan),
    boottime: from.boottime + x,
    realtime: from.realtime + x,
    tai: from.tai + x,
  });
  for (;;) {
    let best: { x: bigint; a: Armed } | null = null;
    for (const a of armedItems(s)) {
      const x = instantOf(from, span, monoSpan, a);
      if (x === null) continue;
      if (!best || x < best.x || (x === best.x && a.armSeq < best.a.armSeq)) best = { x, a };
    }
    if (!best) break;
    best.a.fire(at(best.x));
  }
  // The realtime the host shows now, before any set this step makes.
  s.now = at(span);
  // timekeeping_resume -> timerfd_resume: after a suspend the wall clock has moved against monotonic,
  // so the cancel-on-set timerfds are canceled as by a clock set.
  if (span > monoSpan) timerfdsCanceled(s).forEach((ctx) => timerfdWake(s, ctx, s.now!));
}

// timerfd_clock_was_set: every timerfd armed absolute with TFD_TIMER_CANCEL_ON_SET on a realtime clock
// is canceled (a tick, so that a reader wakes); returned in arming order.
function timerfdsCanceled(s: ModelState): TimerFd[] {
  const canceled = s.timers
    .filter((k): k is TimerFd => k.kind === 'timerfd' && k.mightCancel)
    .sort((a, b) => a.armSeq - b.armSeq);
  for (const ctx of canceled) {
    ctx.canceled = true;
    ctx.ticks += 1n;
  }
  return canceled;
}

// clock_was_set(CLOCK_SET_WALL) after do_settimeofday64: realtime and tai jump together. Timerfds on the
// cancel list whose offset changed are canceled (a tick, so a reader wakes); absolute realtime and tai
// timers and sleeps now reached expire, in arming order; then the readers of canceled timerfds wake.
export function clockWasSet(s: ModelState, realtime: bigint): void {
  const now = s.now!;
  const delta = realtime - now.realtime;
  if (delta === 0n) return;
  s.now = { ...now, realtime, tai: now.tai + delta, bootRealtime: now.bootRealtime + delta };
  const canceled = timerfdsCanceled(s);
  for (;;) {
    const due = armedItems(s)
      .filter((a) => (a.base === 'realtime' || a.base === 'tai') && a.expires <= s.now![a.base])
      .sort((a, b) => a.armSeq - b.armSeq);
    if (due.length === 0) break;
    due[0].fire(s.now);
  }
  for (const ctx of canceled) timerfdWake(s, ctx, s.now);
}

// The `signal` host event: SIGUSR1 with a handler ends a blocking call with EINTR; SIGSTOP + SIGCONT
// restarts it transparently: a restarted sleep arrives at the same host expiry, but the call waits
// anew (its hrtimer re-armed, its timerfd wait queue entry added again at the tail), so it goes behind
// whatever was armed or queued meanwhile.
export function hostSignal(s: ModelState, handle: TaskHandle, handler: boolean): void {
  const t = taskByHandle(s, handle);
  if (!t || !t.wait) return;
  if (handler) waitInterrupted(s, t, s.now!);
  else t.wait.armSeq = nextArm(s);
}
