// Host time reaching the timers (kernel/time/timekeeping.c, hrtimer_interrupt, clock_was_set): each
// step brings the hrtimer bases from the clocks of the previous step to the clocks it is given, in the
// order the harness moves them (the step's tick and any advance: every clock; a suspend: all but
// monotonic), then applies a set of the wall clock. Also the conversions every arming call shares.
import { KTIME_MAX, KTIME_SEC_MAX, NSEC_PER_SEC, type HostClocks, type Timespec } from '../vocab/index.ts';
import {
  BASE_BOOTTIME, BASE_CPU, BASE_MONOTONIC, BASE_REALTIME, BASE_TAI, hrtimerJump, hrtimerRunQueues, type HrTimer,
} from './hrtimer.ts';
import type { Kernel } from './sched.ts';
import { timerfdClockWasSet } from './timerfd.ts';
import { timespecToNs, type TimeNamespace } from './time_namespace.ts';

const ALL_BASES = [BASE_MONOTONIC, BASE_REALTIME, BASE_BOOTTIME, BASE_TAI] as const;
/** During a suspend monotonic stands still. */
const SUSPEND_BASES = [BASE_REALTIME, BASE_BOOTTIME, BASE_TAI] as const;

/** timespec64_valid(): sec >= 0 and 0 <= nsec < 1e9. */
export function timespecValid(ts: Timespec): boolean {
  return !ts.sec.startsWith('-') && Number.isInteger(ts.nsec) && ts.nsec >= 0 && ts.nsec < 1e9;
}

/** timespec64_to_ktime(): saturates at KTIME_MAX. */
export function timespecToKtime(ts: Timespec): bigint {
  const sec = BigInt(ts.sec);
  if (sec >= KTIME_SEC_MAX) return KTIME_MAX;
  return sec * NSEC_PER_SEC + BigInt(ts.nsec);
}

/** timens_ktime_to_host(): only the MONOTONIC and BOOTTIME families carry an offset; a target
 *  before the offset is host 0, already expired. */
export function timensKtimeToHost(k: Kernel, ns: TimeNamespace, clk: number, t: bigint): bigint {
  // Fast path for tasks in init_time_ns.
  if (ns === k.initTimeNs) return t;
  const off = clk === 1 ? timespecToNs(ns.monotonic) : clk === 7 || clk === 9 ? timespecToNs(ns.boottime) : null;
  if (off === null) return t;
  // Below the offset: already expired (host 0). Above: a negative offset may push the sum past
  // KTIME_MAX, which saturates as every ktime does.
  if (t < off) return 0n;
  return t - off > KTIME_MAX ? KTIME_MAX : t - off;
}

/** The base an hrtimer on clk lives on: hrtimer_init moves relative CLOCK_REALTIME to monotonic;
 *  the ALARM clocks keep their own base in either mode (alarmtimer's hrtimers are absolute). */
export function clockBase(clk: number, abs: boolean): number {
  switch (clk) {
    case 0: return abs ? BASE_REALTIME : BASE_MONOTONIC;
    case 1: return BASE_MONOTONIC;
    case 7: case 9: return BASE_BOOTTIME;
    case 8: return BASE_REALTIME;
    case 11: return BASE_TAI;
    default: return BASE_CPU;
  }
}

/** Bring every base to the clocks of this step; the first step only reads them. */
export function timekeepingAdvance(k: Kernel, next: HostClocks): void {
  const cb = k.hrtimers;
  if (!k.started) {
    k.started = true;
    syncBases(k, next);
    return;
  }
  cb.now[BASE_CPU] = next.cputime;
  hrtimerRunQueues(cb, ALL_BASES, next.monotonic - cb.now[BASE_MONOTONIC]);
  const slept = next.boottime - cb.now[BASE_BOOTTIME];
  hrtimerRunQueues(cb, SUSPEND_BASES, slept);
  // timekeeping_resume -> timerfd_resume: a suspend moved the wall clock against monotonic, so the
  // cancel-on-set timerfds are canceled as by a clock set, after everything the stretch reached.
  if (slept > 0n) wakeInOrder(timerfdClockWasSet(k));
  if (next.realtime !== cb.now[BASE_REALTIME]) clockWasSet(k, next.realtime, next.tai);
}

function wakeInOrder(canceled: Array<{ seq: number; wake: () => void }>): void {
  canceled.sort((a, b) => a.seq - b.seq);
  for (const c of canceled) c.wake();
}

function syncBases(k: Kernel, h: HostClocks): void {
  const now = k.hrtimers.now;
  now[BASE_MONOTONIC] = h.monotonic;
  now[BASE_REALTIME] = h.realtime;
  now[BASE_BOOTTIME] = h.boottime;
  now[BASE_TAI] = h.tai;
  now[BASE_CPU] = h.cputime;
}

/**
 * clock_was_set(): the wall clock (and TAI with it) jumps. Cancel-on-set timerfds are marked first;
 * then every timer the jump reached expires, in arming order; then the marked timerfds wake their
 * readers. Only the reached timers and the cancel list are visited. A set to the time the clock
 * already shows moves no offset, and timerfd_clock_was_set cancels nothing then.
 */
export function clockWasSet(k: Kernel, realtime: bigint, tai: bigint): void {
  const cb = k.hrtimers;
  if (realtime === cb.now[BASE_REALTIME]) return;
  const canceled = timerfdClockWasSet(k);
  const reached = [...hrtimerJump(cb, BASE_REALTIME, realtime), ...hrtimerJump(cb, BASE_TAI, tai)];
  reached.sort((a: HrTimer, b: HrTimer) => a.seq - b.seq);
  for (const t of reached) t.fn();
  wakeInOrder(canceled);
}

/** A successful clock_settime(CLOCK_REALTIME): TAI keeps its distance to the wall clock. */
export function timekeepingSetRealtime(k: Kernel, realtime: bigint): void {
  const now = k.hrtimers.now;
  clockWasSet(k, realtime, now[BASE_TAI] + (realtime - now[BASE_REALTIME]));
}
