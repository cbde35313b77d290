// Steps of timers and sleeps, each kind with its weight: absolute targets aimed at the arming task's
// namespace present, relative ones across the scales that matter, signals mostly at blocked tasks.
import { CLOCKS, KTIME_MAX, KTIME_SEC_MAX, NSEC_PER_SEC } from '../vocab/index.ts';
import type { ClockRef, Timespec } from '../vocab/index.ts';
import { ALL_CLOCKS, fdsOf, gone, newFd, siblings, someClock, someFd, someTask, type Maker, type Rng, type Sketch } from './sketch.ts';
import { S64_MAX } from './boundaries.ts';

// ---- Times for timers and sleeps -------------------------------------------------------------------
const MS = 1_000_000n;
const DELTAS = [1_000n, MS, 20n * MS, 1_000n * MS, 3_600_000n * MS];
/** On a real machine a step's bracket is up to about 0.7 ms wide (more while a sleeper is detected):
 *  times are kept a few milliseconds clear of it, so that which step a sleep ends in is not a race. */
const KERNEL_DELTAS = [3n * MS, 5n * MS, 8n * MS, 3_600_000n * MS];
const deltas = (s: Sketch) => (s.kernelTimers ? KERNEL_DELTAS : DELTAS);

export function ts(ns: bigint): Timespec {
  const sec = ns >= 0n ? ns / NSEC_PER_SEC : -((-ns + NSEC_PER_SEC - 1n) / NSEC_PER_SEC);
  return { sec: String(sec), nsec: Number(ns - sec * NSEC_PER_SEC) };
}

/** The task's present on a clock as its namespace shows it, and that namespace's offset for the clock. */
export function nsNow(s: Sketch, task: string, clock: ClockRef): { now: bigint; offset: bigint } {
  const h = s.now();
  const st = s.peek();
  const t = st.tasks[task];
  const ns = t?.timeNs !== null && t?.timeNs !== undefined ? st.timeNamespaces[String(t.timeNs)] : undefined;
  const id = typeof clock === 'number' ? clock : CLOCKS[clock];
  switch (id) {
    case CLOCKS.CLOCK_MONOTONIC: { const o = BigInt(ns?.monotonic ?? '0'); return { now: h.monotonic + o, offset: o }; }
    case CLOCKS.CLOCK_BOOTTIME: case CLOCKS.CLOCK_BOOTTIME_ALARM: { const o = BigInt(ns?.boottime ?? '0'); return { now: h.boottime + o, offset: o }; }
    case CLOCKS.CLOCK_TAI: return { now: h.tai, offset: 0n };
    default: return { now: h.realtime, offset: 0n };
  }
}

/** Past every deadline a program can reach: KTIME_MAX itself, its whole seconds, and a tv_sec of 2^63-1
 *  (timespec64_to_ktime saturates it). */
const FAR: Timespec[] = [ts(KTIME_MAX), { sec: String(KTIME_SEC_MAX), nsec: 999_999_999 }, { sec: String(S64_MAX), nsec: 0 }];

/**
 * An absolute target earlier than the namespace's offset, which timens_ktime_to_host clamps to host 0
 * (already expired): 1 ns, the offset less 1 ns or less a delta, half the offset. Where the offset is not
 * positive no valid time is earlier: zero, which is past in a namespace with a negative offset.
 */
export function beforeOffset(r: Rng, s: Sketch, task: string, clock: ClockRef): Timespec {
  const { offset } = nsNow(s, task, clock);
  if (offset <= 1n) return ts(r.chance(0.8) ? 0n : 1n);
  const candidates = [1n, offset - 1n, offset / 2n, offset - r.pick(deltas(s))].filter((v) => v > 0n);
  return ts(r.pick(candidates));
}

/**
 * An absolute target: mostly just ahead of the task's namespace present, also just behind it, at the
 * namespace's offset itself (host time 0 after conversion) and one nanosecond either side, before the
 * offset, far beyond anything (saturation), and now and then an invalid timespec.
 */
const isBoottime = (clock: ClockRef) => clock === 'CLOCK_BOOTTIME' || clock === 'CLOCK_BOOTTIME_ALARM' || clock === 7 || clock === 9;

export function absTarget(r: Rng, s: Sketch, task: string, clock: ClockRef, boottime = isBoottime(clock)): Timespec {
  if (r.chance(0.04)) return r.pick([{ sec: '-1', nsec: 0 }, { sec: '1', nsec: 1_000_000_000 }]);
  const { now, offset } = nsNow(s, task, clock);
  switch (r.int(0, 11)) {
    case 0: return ts(offset);
    case 1: return ts(offset - 1n);
    case 2: return ts(offset + 1n);
    case 3: return ts(now - r.pick(deltas(s)));
    // docs/conventions.md, "Known departures": on a real machine an absolute boottime target stays below
    // KTIME_SEC_MAX seconds (past KTIME_MAX plus a negative offset Linux is not described yet).
    case 4: return s.kernelTimers && boottime ? ts(now + r.pick(deltas(s))) : r.pick(FAR);
    case 5: return beforeOffset(r, s, task, clock);
    default: return ts(now + r.pick(deltas(s)));
  }
}

function relTarget(r: Rng, s?: Sketch): Timespec {
  if (r.chance(0.04)) return r.pick([{ sec: '-1', nsec: 0 }, { sec: '0', nsec: 1_000_000_000 }]);
  if (r.chance(0.06)) return r.pick(FAR);
  return r.chance(0.08) ? ts(r.pick([0n, 1n])) : ts(r.pick(s ? deltas(s) : DELTAS));
}

function interval(r: Rng, s?: Sketch): Timespec {
  if (r.chance(0.06)) return r.pick([ts(1n), ...FAR]);
  return r.chance(0.6) ? ts(0n) : ts(r.pick(s?.kernelTimers ? [5n * MS, 8n * MS] : [MS, 20n * MS, 1_000n * MS]));
}

const CPU_CLOCKS: ClockRef[] = ['CLOCK_PROCESS_CPUTIME_ID', 'CLOCK_THREAD_CPUTIME_ID'];

/** Clocks for timers and sleeps: the namespaced ones most, every id some of the time. */
const timerClock = (r: Rng): ClockRef =>
  r.pick(r.chance(0.7) ? ['CLOCK_MONOTONIC', 'CLOCK_BOOTTIME', 'CLOCK_REALTIME', 'CLOCK_BOOTTIME_ALARM'] as ClockRef[] : ALL_CLOCKS);

function someTimer(r: Rng, s: Sketch, task: string): string {
  const own = [...(s.timersOf.get(s.group.get(task) ?? -1) ?? [])];
  if (own.length > 0 && r.chance(0.92)) return r.pick(own);
  return `k${r.int(0, s.nextTimer + 1)}`;
}

/** A setting for a timer on `clock`; `unsure`: the timer's clock is not known (it may be a boottime one). */
function setting(r: Rng, s: Sketch, task: string, clock: ClockRef, unsure = false): { abs: boolean; value: Timespec; interval: Timespec } {
  const abs = r.chance(0.5);
  let value = r.chance(0.08) ? ts(0n) : abs ? absTarget(r, s, task, clock, unsure || isBoottime(clock)) : relTarget(r, s);
  const iv = interval(r, s);
  // docs/conventions.md, "Known departures": an absolute boottime target past KTIME_MAX plus a negative
  // offset is not described yet; on a real machine such targets stay below KTIME_SEC_MAX seconds, and a
  // target never reached is made relative there.
  const beyond = s.kernelTimers && (unsure || isBoottime(clock));
  // On a real machine a 1 ns period would tick uncountably often: it goes with a first expiry never reached.
  if (s.kernelTimers && iv.sec === '0' && iv.nsec === 1) return { abs: abs && !beyond, value: r.pick(FAR), interval: iv };
  if (beyond && abs && BigInt(value.sec) >= KTIME_SEC_MAX) value = ts(nsNow(s, task, clock).now + r.pick(deltas(s)));
  return { abs, value, interval: iv };
}

/** The clock a timer or timerfd was made on, from the step that made it (any clock if unknown). */
const clockOf = new WeakMap<Sketch, Map<string, ClockRef>>();
export function rememberClock(s: Sketch, h: string, c: ClockRef): string {
  (clockOf.get(s) ?? clockOf.set(s, new Map()).get(s)!).set(h, c);
  return h;
}
/** A new POSIX timer handle of the task's process, its clock remembered. */
export function newTimer(s: Sketch, task: string, clock: ClockRef): string {
  const timer = rememberClock(s, `k${s.nextTimer++}`, clock);
  s.timersOf.get(s.group.get(task) ?? -1)?.add(timer);
  return timer;
}
const recallClock = (s: Sketch, h: string): ClockRef => clockOf.get(s)?.get(h) ?? 'CLOCK_MONOTONIC';
const clockKnown = (s: Sketch, h: string): boolean => clockOf.get(s)?.has(h) ?? false;

export const TIMER_MAKERS: [number, Maker][] = [
  [4, (r, s, task) => {
    // POSIX timers on CPU-time clocks are created but not armed in generated programs: how the harness
    // should give CPU time to timers is not settled (docs/conventions.md, "Timers").
    const clock = timerClock(r);
    return { task, call: 'timer_create', clock, notify: r.chance(0.6) ? 'signal' : 'none', timer: newTimer(s, task, clock) };
  }],
  [7, (r, s, task) => {
    const timer = someTimer(r, s, task);
    const clock = recallClock(s, timer);
    if (CPU_CLOCKS.includes(clock)) return { task, call: 'timer_gettime', timer };
    return { task, call: 'timer_settime', timer, ...setting(r, s, task, clock) };
  }],
  [4, (r, s, task) => ({ task, call: 'timer_gettime', timer: someTimer(r, s, task) })],
  [1, (r, s, task) => ({ task, call: 'timer_getoverrun', timer: someTimer(r, s, task) })],
  [1, (r, s, task) => {
    const timer = someTimer(r, s, task);
    s.timersOf.get(s.group.get(task) ?? -1)?.delete(timer);
    return { task, call: 'timer_delete', timer };
  }],
  [3, (_r, _s, task) => ({ task, call: 'sigwait' })],
  [3, (r, s, task) => {
    const clock = r.chance(0.85) ? r.pick(['CLOCK_MONOTONIC', 'CLOCK_BOOTTIME', 'CLOCK_REALTIME', 'CLOCK_BOOTTIME_ALARM', 'CLOCK_REALTIME_ALARM'] as ClockRef[]) : r.pick(ALL_CLOCKS);
    return { task, call: 'timerfd_create', clock, nonblock: r.chance(0.6), fd: rememberClock(s, newFd(s, task, 'timerfd'), clock) };
  }],
  [6, (r, s, task) => {
    const fd = someFd(r, s, task, ['timerfd']);
    const clock = recallClock(s, fd);
    // Cancel-on-set counts only for an absolute realtime timerfd: aim there often enough for a clock set
    // to cancel one and a read to see ECANCELED.
    const realtime = clock === 'CLOCK_REALTIME' || clock === 'CLOCK_REALTIME_ALARM';
    const set = setting(r, s, task, clock, !clockKnown(s, fd));
    if (realtime && r.chance(0.6) && !set.abs) Object.assign(set, { abs: true, value: absTarget(r, s, task, clock) });
    return { task, call: 'timerfd_settime', fd, cancelOnSet: r.chance(realtime ? 0.7 : 0.2), ...set };
  }],
  [3, (r, s, task) => ({ task, call: 'timerfd_gettime', fd: someFd(r, s, task, ['timerfd']) })],
  [3, (r, s, task) => {
    // A timerfd a clock set has canceled is the one worth reading: it answers ECANCELED.
    const held = [...fdsOf(s, task)].filter((f) => s.kind.get(f) === 'timerfd');
    const timers = s.peek().timers;
    const canceled = held.filter((f) => timers[f]?.canceled);
    return { task, call: 'read', fd: canceled.length > 0 && r.chance(0.8) ? r.pick(canceled) : someFd(r, s, task, ['timerfd']) };
  }],
  [5, (r, s, task) => {
    let clock = timerClock(r);
    // A real machine gives a sleeping process CPU time (its other threads run steps): no CPU-time sleeps.
    if (s.kernelTimers && CPU_CLOCKS.includes(clock)) clock = 'CLOCK_MONOTONIC';
    const abs = r.chance(0.5);
    let value = abs ? absTarget(r, s, task, clock) : relTarget(r, s);
    // docs/conventions.md, "Known departures": an absolute boottime sleep past KTIME_MAX plus a negative
    // offset is not described yet; on a real machine such targets stay below KTIME_SEC_MAX seconds.
    if (s.kernelTimers && abs && isBoottime(clock) && BigInt(value.sec) >= KTIME_SEC_MAX) value = ts(nsNow(s, task, clock).now + r.pick(deltas(s)));
    return { task, call: 'clock_nanosleep', clock, abs, value };
  }],
  [2, (r, s, task) => ({ task, call: 'nanosleep', value: relTarget(r, s) })],
  [3, (r, s, task) => {
    // Timers armed before the task enters another namespace: the expiry must stay where it was.
    const st = s.peek();
    const t = st.tasks[task];
    const armed = t && Object.entries(st.timers).some(([h, tm]) => tm.expires !== null &&
      (tm.owner === t.leader || Object.values(st.processes[t.leader]?.fds ?? {}).some((fd) => fd.kind === 'timerfd' && fd.timer === h)));
    if (!t || !armed || t.timeNs === t.timeNsForChildren) return { task, call: 'clock_gettime', clock: someClock(r), vdso: true };
    for (const x of siblings(s, task)) if (x !== task) gone(s, x);
    return { task, call: 'exec' };
  }],
  [2, (r, s, task) => {
    const realtime = r.chance(0.3);
    return { task, call: 'futex_wait', realtime, value: absTarget(r, s, task, realtime ? 'CLOCK_REALTIME' : 'CLOCK_MONOTONIC') };
  }],
  [4, (r) => ({ host: 'advance', ns: String(r.pick([1_000n, MS, 20n * MS, 1_000n * MS])) })],
  [3, (r, s) => {
    // Signals go mostly to tasks in a blocking call: that is where they matter.
    const sleeping = [...s.sleeping];
    return { host: 'signal', task: sleeping.length > 0 && r.chance(0.8) ? r.pick(sleeping) : someTask(r, s), handler: r.chance(0.75) };
  }],
  [3, (r, s) => {
    if (s.kernelTimers) return { host: 'advance', ns: String(r.pick([MS, 20n * MS])) }; // the clock is never set
    // Clock sets matter where a cancel-on-set timerfd or an absolute realtime timer waits for one.
    const waiting = Object.values(s.peek().timers).some((t) => t.cancelOnSet);
    if (!waiting && r.chance(0.6)) return { host: 'advance', ns: String(r.pick([MS, 20n * MS])) };
    return { host: 'settime', realtime: String(s.now().realtime + r.pick([-3_600_000n * MS, -MS, MS, 3_600_000n * MS])) };
  }],
];

