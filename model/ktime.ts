// What every timer and sleep shares: clock ids, the host clock base each one runs on (hrtimer clock
// bases, kernel/time/hrtimer.c), the validity of a timespec (timespec64_valid), the conversion of an
// absolute target out of a time namespace (timens_ktime_to_host, reference §7.1), hrtimer_forward, and
// the record of a blocking call that finished (docs/conventions.md, "Blocking").
import {
  CLOCKS, KTIME_MAX, NSEC_PER_SEC,
  type ClockRef, type Completion, type HostClocks, type Timespec as ProgramTimespec,
} from '../vocab/index.ts';
import { isRawCpuClock } from './cpuclocks.ts';
import { nsToNanos, type Base, type ModelState, type Task, type TimeNs } from './state.ts';

/** The numeric clock id of a program's clock reference. */
export function clockId(ref: ClockRef): number {
  return typeof ref === 'string' ? CLOCKS[ref] : ref;
}

/** Whether clockid_to_kclock finds a k_clock for the id: every negative id has one (a clock fd's or the
 *  CPU clocks'), whether or not it names anything (cpuclocks.ts). */
export function validClock(id: number): boolean {
  return id < 0 || (Object.values(CLOCKS) as number[]).includes(id);
}

export const isAlarm = (id: number) => id === CLOCKS.CLOCK_REALTIME_ALARM || id === CLOCKS.CLOCK_BOOTTIME_ALARM;
/** A CPU-time clock: the two named ones, or a CPU clock of a pid (a negative id that is no clock fd). */
export const isCpuClock = (id: number) => id === CLOCKS.CLOCK_PROCESS_CPUTIME_ID || id === CLOCKS.CLOCK_THREAD_CPUTIME_ID || isRawCpuClock(id);

// hrtimer_setup / __hrtimer_init: a relative CLOCK_REALTIME timer runs on CLOCK_MONOTONIC; alarm
// timers run on their alarm base's hrtimer base (ALARM_REALTIME: realtime, ALARM_BOOTTIME: boottime).
export function baseOf(id: number, abs: boolean): Base {
  switch (id) {
    case CLOCKS.CLOCK_REALTIME: return abs ? 'realtime' : 'monotonic';
    case CLOCKS.CLOCK_REALTIME_ALARM: return 'realtime';
    case CLOCKS.CLOCK_MONOTONIC: return 'monotonic';
    case CLOCKS.CLOCK_BOOTTIME:
    case CLOCKS.CLOCK_BOOTTIME_ALARM: return 'boottime';
    case CLOCKS.CLOCK_TAI: return 'tai';
    default: return null;
  }
}

/** The host's reading of a base (CPU-time clocks read the harness's cputime). */
export function baseNow(h: HostClocks, base: Base): bigint {
  return base === null ? h.cputime : h[base];
}

/** timespec64_valid: sec >= 0 and 0 <= nsec < 1e9. */
export function timespecValid(ts: ProgramTimespec): boolean {
  return BigInt(ts.sec) >= 0n && Number.isInteger(ts.nsec) && ts.nsec >= 0 && ts.nsec < 1e9;
}

/** timespec64_to_ktime: saturates at KTIME_MAX from KTIME_SEC_MAX seconds up. */
export function timespecToKtime(ts: ProgramTimespec): bigint {
  const v = BigInt(ts.sec) * NSEC_PER_SEC + BigInt(ts.nsec);
  return v > KTIME_MAX ? KTIME_MAX : v;
}

/** ktime_add_safe: a sum past KTIME_MAX stays at KTIME_MAX. */
export function ktimeAddSafe(a: bigint, b: bigint): bigint {
  return a + b > KTIME_MAX ? KTIME_MAX : a + b;
}

// timens_ktime_to_host (kernel/time/namespace.c): only MONOTONIC, BOOTTIME and BOOTTIME_ALARM have an
// offset; a target before the namespace's offset is host time 0, in the past.
export function ktimeToHost(id: number, t: bigint, ns: TimeNs): bigint {
  let offset: bigint;
  if (id === CLOCKS.CLOCK_MONOTONIC) offset = nsToNanos(ns.monotonic);
  else if (id === CLOCKS.CLOCK_BOOTTIME || id === CLOCKS.CLOCK_BOOTTIME_ALARM) offset = nsToNanos(ns.boottime);
  else return t;
  if (t < offset) return 0n;
  const host = t - offset;
  return host > KTIME_MAX ? KTIME_MAX : host;
}

/**
 * hrtimer_forward: how many intervals to move an expiry past now (0 if it is still ahead). The last
 * interval is added with ktime_add_safe, so an expiry pushed past KTIME_MAX stays at KTIME_MAX.
 */
export function hrtimerForward(expires: bigint, now: bigint, interval: bigint): { count: bigint; expires: bigint } {
  if (now < expires) return { count: 0n, expires };
  const count = (now - expires) / interval + 1n;
  return { count, expires: ktimeAddSafe(expires, count * interval) };
}

/** The next number in arming order: equal expiries fire in the order their timers were started. */
export function nextArm(s: ModelState): number {
  return s.nextArmSeq++;
}

/** A blocking call of t finished: the task runs again and its outcome joins this step's completions. */
export function completeWait(s: ModelState, t: Task, outcome: Omit<Completion, 'task' | 'call'>): void {
  s.completions.push({ task: t.handle, call: t.wait!.call, ...outcome });
  t.wait = null;
  t.state = 'running';
}

/** Put t to sleep in a blocking call: it observes { pending: true } until the call finishes. */
export function blockTask(t: Task, wait: Task['wait']): { pending: true } {
  t.wait = wait;
  t.state = 'blocked';
  return { pending: true };
}
