// The host clock an armed timer or sleep lives on (docs/conventions.md, "Timers"): a restatement of the
// kernel's clock bases for the timer laws, kept apart from model/ so the laws do not borrow its logic.
import { CLOCKS } from '../../vocab/index.ts';
import type { ClockRef, HostClocks } from '../../vocab/index.ts';

export const clockId = (c: ClockRef): number => (typeof c === 'number' ? c : CLOCKS[c]);

/** Host value of the base a timer on `clock` runs on. Only relative CLOCK_REALTIME hrtimers move to
 *  monotonic (hrtimer_init); alarm timers and TAI keep their own base. */
export function baseNow(clock: number, abs: boolean, h: HostClocks): bigint | undefined {
  switch (clock) {
    case CLOCKS.CLOCK_REALTIME: return abs ? h.realtime : h.monotonic;
    case CLOCKS.CLOCK_REALTIME_ALARM: return h.realtime;
    case CLOCKS.CLOCK_MONOTONIC: return h.monotonic;
    case CLOCKS.CLOCK_BOOTTIME: case CLOCKS.CLOCK_BOOTTIME_ALARM: return h.boottime;
    case CLOCKS.CLOCK_TAI: return h.tai;
    default: return undefined; // CPU-time clocks: no host base
  }
}

export const nanosOf = (t: { sec: string; nsec: number }): bigint => BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec);

const KTIME_MAX = (1n << 63n) - 1n;
const KTIME_SEC_MAX = KTIME_MAX / 1_000_000_000n;

/** timespec64_to_ktime: a time of KTIME_SEC_MAX seconds or more is KTIME_MAX. */
export const ktimeOf = (t: { sec: string; nsec: number }): bigint =>
  BigInt(t.sec) >= KTIME_SEC_MAX ? KTIME_MAX : nanosOf(t);
