// High-resolution timers (kernel/time/hrtimer.c). Every armed timer and sleeper lives in host time on
// one clock base, in an ordered queue per base, as hrtimer_clock_base keeps its timerqueue. A queue is a
// binary min-heap on (expires, arming sequence) with each timer's position stored in the timer, so that
// arming and cancelling, even from the middle, cost O(log n) instead of a scan of the armed timers;
// equal expiries leave in arming order, as timerqueue_add places an equal key after the present ones.
import { KTIME_MAX } from '../vocab/index.ts';

/** Clock bases (HRTIMER_BASE_*); CPU-time timers sit on a base that time never moves for them. */
export const BASE_MONOTONIC = 0;
export const BASE_REALTIME = 1;
export const BASE_BOOTTIME = 2;
export const BASE_TAI = 3;
export const BASE_CPU = 4;
export const NR_BASES = 5;

export interface HrTimer {
  /** Absolute expiry in host time of the base. */
  expires: bigint;
  /** Arming order: the tie-break among equal expiries, renewed by every start. */
  seq: number;
  base: number;
  /** Position in the base's heap; -1 while not queued (inactive). */
  index: number;
  /** The expiry callback, run at the instant the expiry is reached. */
  fn: () => void;
}

export function hrtimerInit(fn: () => void, base = BASE_MONOTONIC): HrTimer {
  return { expires: 0n, seq: 0, base, index: -1, fn };
}

function before(a: HrTimer, b: HrTimer): boolean {
  return a.expires < b.expires || (a.expires === b.expires && a.seq < b.seq);
}

/** One base's timerqueue. */
export class ClockBase {
  private readonly heap: HrTimer[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): HrTimer | undefined {
    return this.heap[0];
  }

  add(t: HrTimer): void {
    t.index = this.heap.length;
    this.heap.push(t);
    this.up(t.index);
  }

  /** Remove any queued timer by its stored position: O(log n), no search. */
  remove(t: HrTimer): void {
    const i = t.index;
    const last = this.heap.pop()!;
    t.index = -1;
    if (last === t) return;
    this.heap[i] = last;
    last.index = i;
    this.up(i);
    this.down(last.index);
  }

  /** Height of the heap: the number of comparisons one arm or cancel may need. */
  depth(): number {
    return this.heap.length === 0 ? 0 : Math.floor(Math.log2(this.heap.length)) + 1;
  }

  /** The heap property, for tests: no timer precedes its parent. */
  ordered(): boolean {
    for (let i = 1; i < this.heap.length; i++) if (before(this.heap[i], this.heap[(i - 1) >> 1])) return false;
    return this.heap.every((t, i) => t.index === i);
  }

  private up(i: number): void {
    const h = this.heap;
    const t = h[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(t, h[p])) break;
      h[i] = h[p];
      h[i].index = i;
      i = p;
    }
    h[i] = t;
    t.index = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const t = h[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(h[c + 1], h[c])) c++;
      if (!before(h[c], t)) break;
      h[i] = h[c];
      h[i].index = i;
      i = c;
    }
    h[i] = t;
    t.index = i;
  }
}

/** The per-kernel hrtimer state: the bases, what each base's clock reads now, the arming counter. */
export interface HrtimerCpuBase {
  bases: ClockBase[];
  /** Host time of each base at the instant being processed. */
  now: bigint[];
  seq: number;
}

export function hrtimerCpuBase(): HrtimerCpuBase {
  return { bases: Array.from({ length: NR_BASES }, () => new ClockBase()), now: new Array<bigint>(NR_BASES).fill(0n), seq: 0 };
}

/** ktime_add_safe(): saturate at KTIME_MAX. */
export function ktimeAddSafe(a: bigint, b: bigint): bigint {
  const r = a + b;
  return r > KTIME_MAX ? KTIME_MAX : r;
}

/** hrtimer_cancel(). */
export function hrtimerCancel(cb: HrtimerCpuBase, t: HrTimer): void {
  if (t.index >= 0) cb.bases[t.base].remove(t);
}

/** hrtimer_start() with an absolute expiry on base. A target already reached fires at once (the
 *  clock event fires as soon as it is programmed); it is never queued. */
export function hrtimerStart(cb: HrtimerCpuBase, t: HrTimer, expires: bigint, base: number): void {
  hrtimerCancel(cb, t);
  t.expires = expires;
  t.base = base;
  t.seq = ++cb.seq;
  if (expires <= cb.now[base]) {
    t.fn();
    return;
  }
  if (base !== BASE_CPU) cb.bases[base].add(t);
  else t.index = -1;
}

/** hrtimer_restart(): start again at the expiry it holds. */
export function hrtimerRestart(cb: HrtimerCpuBase, t: HrTimer): void {
  hrtimerStart(cb, t, t.expires, t.base);
}

/** hrtimer_forward(): move the expiry past now by whole intervals; the count of intervals moved. */
export function hrtimerForward(t: HrTimer, now: bigint, interval: bigint): bigint {
  const delta = now - t.expires;
  if (delta < 0n) return 0n;
  if (interval < 1n) interval = 1n;
  let orun = 1n;
  if (delta >= interval) {
    orun = delta / interval;
    t.expires = ktimeAddSafe(t.expires, interval * orun);
    if (t.expires > now) return orun;
    orun++;
  }
  t.expires = ktimeAddSafe(t.expires, interval);
  return orun;
}

/** hrtimer_forward_now(). */
export function hrtimerForwardNow(cb: HrtimerCpuBase, t: HrTimer, interval: bigint): bigint {
  return hrtimerForward(t, cb.now[t.base], interval);
}

/** hrtimer_get_remaining(): may be negative for an expiry already passed. */
export function hrtimerRemaining(cb: HrtimerCpuBase, t: HrTimer): bigint {
  return t.expires - cb.now[t.base];
}

/**
 * One stretch in which the clocks of `moving` advance together by d: expire, in order of the instant
 * each expiry is reached (ties in arming order), every queued timer reached within it. Only the
 * earliest timer of each base is looked at (a peek), so the cost is in proportion to the timers that
 * fire, not to the timers armed. A callback may arm timers again; they take part if reached.
 */
export function hrtimerRunQueues(cb: HrtimerCpuBase, moving: readonly number[], d: bigint): void {
  const start = moving.map((b) => cb.now[b]);
  for (;;) {
    let best: HrTimer | undefined;
    let bestAt = 0n;
    for (let i = 0; i < moving.length; i++) {
      const top = cb.bases[moving[i]].peek();
      if (top === undefined) continue;
      const at = top.expires - start[i];
      if (at > d) continue;
      if (best === undefined || at < bestAt || (at === bestAt && top.seq < best.seq)) {
        best = top;
        bestAt = at;
      }
    }
    if (best === undefined) break;
    for (let i = 0; i < moving.length; i++) cb.now[moving[i]] = start[i] + bestAt;
    cb.bases[best.base].remove(best);
    best.fn();
  }
  for (let i = 0; i < moving.length; i++) cb.now[moving[i]] = start[i] + d;
}

/** A clock jump of base to now: every timer it reaches is taken off its queue, earliest first. */
export function hrtimerJump(cb: HrtimerCpuBase, base: number, now: bigint): HrTimer[] {
  cb.now[base] = now;
  const q = cb.bases[base];
  const out: HrTimer[] = [];
  for (let t = q.peek(); t !== undefined && t.expires <= now; t = q.peek()) {
    q.remove(t);
    out.push(t);
  }
  return out;
}
