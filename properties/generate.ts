// Generating programs. A step names its handles literally ("t3", "f2"), so the shrinker can delete any
// step without changing what the others mean: a reference to a handle whose creation was deleted simply
// gets the errno Linux gives for a dead pid or a closed fd. Generation tracks which handles it has made,
// so most references hit something live, and some deliberately do not.
import fc from 'fast-check';
import { CAP_NAMES, CLOCK_NAMES, CLOCKS, INVALID_CLOCK_IDS, KTIME_SEC_MAX, INT_MAX, NS_IOCTLS, NSEC_PER_SEC, PROGRAM_FORMAT } from '../vocab/index.ts';
import type { AbstractState, CapName, ClockRef, CloneFlagName, HostClocks, NsIoctl, Observation, ProcFile, Program, ProgramEnv, Step, TaskStep, Timespec } from '../vocab/index.ts';
import { shrinkProgram } from './shrink.ts';
import { createModel } from '../model/index.ts';
import { Stepper } from '../harness/run.ts';

export interface GenOptions {
  maxSteps: number;
  /** Leave out what cannot happen on a real machine: suspend, setting the realtime clock. */
  kernelSafe?: boolean;
  /**
   * With kernelSafe: also timers, sleeps, futex waits and signals, shaped for a real machine where
   * `advance` waits at most 20 ms: relative times of 1 us to 5 ms (or an hour, which only a signal
   * ends), no sleeps on CPU-time clocks, no clock sets. `now` gives the machine's host clocks (null
   * before any are known), so that absolute targets land near the machine's present rather than the
   * simulated host's. Without this flag nothing generated changes.
   */
  kernelTimers?: boolean | { now?: () => HostClocks | null };
}

type Rng = { int(lo: number, hi: number): number; chance(p: number): boolean; pick<T>(xs: readonly T[]): T };

function rngOf(mrng: fc.Random): Rng {
  return {
    int: (lo, hi) => mrng.nextInt(lo, hi),
    chance: (p) => mrng.nextInt(0, 9999) < p * 10000,
    pick: (xs) => xs[mrng.nextInt(0, xs.length - 1)],
  };
}

type FdKind = 'offsets' | 'offsets-w' | 'time' | 'user' | 'pidfd' | 'timerfd';

/**
 * What generation knows of the handles it made, enough to aim most steps at live tasks and at fds their
 * process holds. It never runs the program, so it guesses (a creation it records may fail when run).
 */
interface Sketch {
  tasks: string[];
  /** Task -> its process (thread group); threads share one fd table. */
  group: Map<string, number>;
  /** Process -> the fds it holds. */
  fdsOf: Map<number, Set<string>>;
  kind: Map<string, FdKind>;
  exited: Set<string>;
  /** vfork parent -> the child it waits for. */
  blockedBy: Map<string, string>;
  nextTask: number;
  nextFd: number;
  nextGroup: number;
  /** Process -> the POSIX timers it made. */
  timersOf: Map<number, Set<string>>;
  nextTimer: number;
  /** Tasks in a blocking call, until the model reports its completion. */
  sleeping: Set<string>;
  /** The model's state right now, for the few choices that need more than handles. */
  peek: () => AbstractState;
  /** The host clocks right now, to aim absolute times near a namespace's present. */
  now: () => HostClocks;
  /** Timers for a real machine (GenOptions.kernelTimers): short times, no CPU-time sleeps. */
  kernelTimers?: boolean;
}

function newSketch(peek: () => AbstractState, now: () => HostClocks): Sketch {
  return {
    tasks: ['t0'], group: new Map([['t0', 0]]), fdsOf: new Map([[0, new Set()]]), kind: new Map(),
    exited: new Set(), blockedBy: new Map(), nextTask: 1, nextFd: 0, nextGroup: 1,
    timersOf: new Map([[0, new Set()]]), nextTimer: 0, sleeping: new Set(), peek, now,
  };
}

const HALF_RANGE = 4_611_686_018n; // KTIME_SEC_MAX / 2: the largest whole second a namespace clock may show

function offsetSeconds(r: Rng): string {
  switch (r.int(0, 9)) {
    case 0: return String(r.int(-5, 5));
    case 1: return String(r.int(-200, 200)); // around small uptimes: both sides of host time 0
    case 2: return String(-r.int(1, 40) * 86_400); // days back, ERANGE on young hosts
    case 3: return String(r.int(1, 1000) * 86_400);
    case 4: return String(HALF_RANGE - BigInt(r.int(0, 100) * 86_400)); // near the upper edge
    case 5: return String(KTIME_SEC_MAX + BigInt(r.int(-1, 1)));
    case 6: return String(-KTIME_SEC_MAX - BigInt(r.int(-1, 1)));
    default: return String(r.int(-100_000, 100_000));
  }
}

function offsetRecord(r: Rng): string {
  const clock = r.chance(0.94) ? r.pick(['monotonic', 'boottime', '1', '7', 'monotonic', 'boottime'])
    : r.pick(['realtime', '0', '4', 'MONOTONIC', 'Boottime', 'monotonic_raw']);
  const nsec = r.chance(0.9) ? r.pick(['0', '0', '500000000', '999999999', '1'])
    : r.pick(['1000000000', '-1', '']);
  const rec = `${clock} ${offsetSeconds(r)} ${nsec}`.trimEnd();
  return r.chance(0.03) ? clock : rec; // a missing field
}

function offsetText(r: Rng): string {
  if (r.chance(0.03)) return r.pick(['', '\n', 'monotonic 1 0\n\n']);
  const n = r.chance(0.65) ? 1 : r.chance(0.85) ? 2 : 3;
  const recs = Array.from({ length: n }, () => offsetRecord(r));
  return recs.join('\n') + (r.chance(0.5) ? '\n' : '');
}

function flags<T extends string>(r: Rng, table: [T, number][]): T[] {
  return table.filter(([, p]) => r.chance(p)).map(([f]) => f);
}

const ALL_CLOCKS: ClockRef[] = [...CLOCK_NAMES, ...INVALID_CLOCK_IDS];
/** The clocks a time namespace shifts: half of all reads, since they are what the offsets are for. */
const SHIFTED_CLOCKS: ClockRef[] = ['CLOCK_MONOTONIC', 'CLOCK_BOOTTIME', 'CLOCK_MONOTONIC_RAW', 'CLOCK_MONOTONIC_COARSE', 'CLOCK_BOOTTIME_ALARM'];
const someClock = (r: Rng): ClockRef => r.pick(r.chance(0.5) ? SHIFTED_CLOCKS : ALL_CLOCKS);

function env(r: Rng): ProgramEnv {
  const e: ProgramEnv = { seed: `s${r.int(0, 0x7fffffff).toString(36)}` };
  if (r.chance(0.12)) e.caps = CAP_NAMES.filter(() => r.chance(0.6));
  if (r.chance(0.1)) e.rtc = false;
  if (r.chance(0.08)) e.maxTimeNamespaces = r.int(0, 3);
  return e;
}

const fdsOf = (s: Sketch, task: string) => s.fdsOf.get(s.group.get(task) ?? -1) ?? new Set<string>();

function newTask(s: Sketch, parent: string, how: 'process' | 'thread' | 'vfork'): string {
  const h = `t${s.nextTask++}`;
  s.tasks.push(h);
  if (how === 'thread') {
    s.group.set(h, s.group.get(parent) ?? -1);
  } else {
    s.group.set(h, s.nextGroup);
    s.timersOf.set(s.nextGroup, new Set()); // timers are not inherited
    s.fdsOf.set(s.nextGroup++, new Set(fdsOf(s, parent)));
  }
  if (how === 'vfork') s.blockedBy.set(parent, h);
  return h;
}
function newFd(s: Sketch, task: string, kind: FdKind): string {
  const h = `f${s.nextFd++}`;
  s.kind.set(h, kind);
  fdsOf(s, task).add(h);
  return h;
}
/** The task is gone (exit, or killed by a sibling's exec or exit_group): its vfork parent runs again. */
function gone(s: Sketch, task: string): void {
  s.exited.add(task);
  for (const [parent, child] of s.blockedBy) if (child === task) s.blockedBy.delete(parent);
}
const siblings = (s: Sketch, task: string) => s.tasks.filter((t) => s.group.get(t) === s.group.get(task));

/** Whether every other live task would go with this one: a program then has nothing left to run. */
function lastStanding(s: Sketch, task: string): boolean {
  const group = s.group.get(task);
  return s.tasks.every((t) => t === task || s.exited.has(t) || s.group.get(t) === group);
}

function someTask(r: Rng, s: Sketch): string {
  if (r.chance(0.02)) return `t${s.nextTask + r.int(0, 3)}`; // never created
  const live = s.tasks.filter((t) => !s.exited.has(t) && !s.blockedBy.has(t) && !s.sleeping.has(t));
  return live.length > 0 && r.chance(0.95) ? r.pick(live) : r.pick(s.tasks);
}
function someFd(r: Rng, s: Sketch, task: string, prefer?: FdKind[]): string {
  if (s.kind.size === 0 || r.chance(0.03)) return `f${s.nextFd + r.int(0, 3)}`;
  const held = [...fdsOf(s, task)];
  const good = prefer ? held.filter((f) => prefer.includes(s.kind.get(f)!)) : held;
  if (good.length > 0 && r.chance(0.9)) return r.pick(good);
  return held.length > 0 && r.chance(0.7) ? r.pick(held) : r.pick([...s.kind.keys()]);
}

type Maker = (r: Rng, s: Sketch, task: string, o: GenOptions) => Step;

// ---- Times for timers and sleeps -------------------------------------------------------------------
const MS = 1_000_000n;
const DELTAS = [1_000n, MS, 20n * MS, 1_000n * MS, 3_600_000n * MS];
/** Kernel programs: expiries within a few ms of now, or an hour away. */
/** On a real machine a step's bracket is up to about 0.7 ms wide (more while a sleeper is detected):
 *  times are kept a few milliseconds clear of it, so that which step a sleep ends in is not a race. */
const KERNEL_DELTAS = [3n * MS, 5n * MS, 8n * MS, 3_600_000n * MS];
const deltas = (s: Sketch) => (s.kernelTimers ? KERNEL_DELTAS : DELTAS);

function ts(ns: bigint): Timespec {
  const sec = ns >= 0n ? ns / NSEC_PER_SEC : -((-ns + NSEC_PER_SEC - 1n) / NSEC_PER_SEC);
  return { sec: String(sec), nsec: Number(ns - sec * NSEC_PER_SEC) };
}

/** The task's present on a clock as its namespace shows it, and that namespace's offset for the clock. */
function nsNow(s: Sketch, task: string, clock: ClockRef): { now: bigint; offset: bigint } {
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

/**
 * An absolute target: mostly just ahead of the task's namespace present, also just behind it, at the
 * namespace's offset itself (host time 0 after conversion) and one nanosecond either side, far beyond
 * anything (saturation), and now and then an invalid timespec.
 */
function absTarget(r: Rng, s: Sketch, task: string, clock: ClockRef): Timespec {
  if (r.chance(0.04)) return r.pick([{ sec: '-1', nsec: 0 }, { sec: '1', nsec: 1_000_000_000 }]);
  const { now, offset } = nsNow(s, task, clock);
  switch (r.int(0, 9)) {
    case 0: return ts(offset);
    case 1: return ts(offset - 1n);
    case 2: return ts(offset + 1n);
    case 3: return ts(now - r.pick(deltas(s)));
    case 4: return { sec: String(KTIME_SEC_MAX), nsec: 999_999_999 };
    default: return ts(now + r.pick(deltas(s)));
  }
}

function relTarget(r: Rng, s?: Sketch): Timespec {
  if (r.chance(0.04)) return r.pick([{ sec: '-1', nsec: 0 }, { sec: '0', nsec: 1_000_000_000 }]);
  return r.chance(0.08) ? ts(0n) : ts(r.pick(s ? deltas(s) : DELTAS));
}

function interval(r: Rng, s?: Sketch): Timespec {
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

function setting(r: Rng, s: Sketch, task: string, clock: ClockRef): { abs: boolean; value: Timespec; interval: Timespec } {
  const abs = r.chance(0.5);
  const value = r.chance(0.08) ? ts(0n) : abs ? absTarget(r, s, task, clock) : relTarget(r, s);
  return { abs, value, interval: interval(r, s) };
}

/** The clock a timer or timerfd was made on, from the step that made it (any clock if unknown). */
const clockOf = new WeakMap<Sketch, Map<string, ClockRef>>();
function rememberClock(s: Sketch, h: string, c: ClockRef): string {
  (clockOf.get(s) ?? clockOf.set(s, new Map()).get(s)!).set(h, c);
  return h;
}
const recallClock = (s: Sketch, h: string): ClockRef => clockOf.get(s)?.get(h) ?? 'CLOCK_MONOTONIC';

const TIMER_MAKERS: [number, Maker][] = [
  [4, (r, s, task) => {
    // POSIX timers on CPU-time clocks are created but not armed in generated programs: how the harness
    // should give CPU time to timers is not settled (docs/conventions.md, "Timers").
    const clock = timerClock(r);
    const timer = rememberClock(s, `k${s.nextTimer++}`, clock);
    s.timersOf.get(s.group.get(task) ?? -1)?.add(timer);
    return { task, call: 'timer_create', clock, notify: r.chance(0.6) ? 'signal' : 'none', timer };
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
    const set = setting(r, s, task, clock);
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
    return { task, call: 'clock_nanosleep', clock, abs, value: abs ? absTarget(r, s, task, clock) : relTarget(r, s) };
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

/**
 * open("/proc/PID/<file>"). Offsets are opened mostly where a write can still land: a task whose
 * time_for_children is pending (unfrozen), as after unshare.
 */
function openStep(r: Rng, s: Sketch, task: string, file: ProcFile, mode?: 'r' | 'w' | 'rw'): Step {
  let target = r.chance(0.6) ? task : someTask(r, s);
  if (file === 'timens_offsets' && r.chance(0.7)) {
    const st = s.peek();
    const pending = Object.entries(st.tasks).filter(([, t]) => t.timeNsForChildren !== null && !st.timeNamespaces[String(t.timeNsForChildren)]?.frozen);
    if (pending.length > 0) target = r.chance(0.5) && pending.some(([h]) => h === task) ? task : r.pick(pending)[0];
  }
  const m = file === 'timens_offsets' ? mode ?? r.pick(['w', 'w', 'rw', 'r'] as const) : 'r';
  const kind: FdKind = file === 'timens_offsets' ? (m === 'r' ? 'offsets' : 'offsets-w') : file === 'ns/user' ? 'user' : 'time';
  return { task, call: 'open', target, file, mode: m, fd: newFd(s, task, kind) };
}

/** Each kind of step with its weight. Namespace and offsets work dominates, so states get deep. */
const MAKERS: [number, Maker][] = [
  [10, (r, _s, task) => ({ task, call: 'unshare', flags: flags<CloneFlagName>(r, [['CLONE_NEWTIME', 0.8], ['CLONE_NEWUSER', 0.3], ['CLONE_THREAD', 0.04], ['CLONE_VM', 0.04], ['CLONE_VFORK', 0.03]]) })],
  [12, (r, s, task) => openStep(r, s, task, r.pick(['timens_offsets', 'timens_offsets', 'timens_offsets', 'ns/time', 'ns/time_for_children', 'ns/time_for_children', 'ns/user'] as const))],
  [11, (r, s, task) => {
    // A write wants an fd open for writing; a process holding none opens one first.
    const held = [...fdsOf(s, task)].filter((f) => s.kind.get(f) === 'offsets-w');
    if (held.length === 0 && r.chance(0.8)) return openStep(r, s, task, 'timens_offsets', 'w');
    return { task, call: 'write', fd: someFd(r, s, task, ['offsets-w']), text: offsetText(r) };
  }],
  [3, (r, s, task) => ({ task, call: 'read', fd: someFd(r, s, task, ['offsets', 'offsets-w']) })],
  [6, (_r, s, task) => ({ task, call: 'fork', child: newTask(s, task, 'process') })],
  [2, (_r, s, task) => ({ task, call: 'vfork', child: newTask(s, task, 'vfork') })],
  [3, (_r, s, task) => ({ task, call: 'thread', child: newTask(s, task, 'thread') })],
  [6, (r, s, task) => {
    const f = flags<CloneFlagName>(r, [['CLONE_NEWTIME', 0.55], ['CLONE_NEWUSER', 0.2], ['CLONE_VM', 0.3], ['CLONE_VFORK', 0.15], ['CLONE_THREAD', 0.12]]);
    const how = f.includes('CLONE_THREAD') ? 'thread' : f.includes('CLONE_VFORK') ? 'vfork' : 'process';
    return { task, call: 'clone3', child: newTask(s, task, how), flags: f };
  }],
  [5, (r, s, task) => {
    if (r.chance(0.1)) return { task, call: 'exec', fail: true };
    for (const t of siblings(s, task)) if (t !== task) gone(s, t);
    for (const [parent, child] of s.blockedBy) if (child === task) s.blockedBy.delete(parent);
    for (const f of fdsOf(s, task)) if (s.kind.get(f) === 'pidfd') fdsOf(s, task).delete(f); // O_CLOEXEC
    return { task, call: 'exec' };
  }],
  [8, (r, s, task) => ({ task, call: 'setns', fd: someFd(r, s, task, ['time', 'pidfd', 'time', 'user']), nstype: r.chance(0.4) ? [] : r.chance(0.85) ? ['CLONE_NEWTIME'] : ['CLONE_NEWUSER'] })],
  [3, (r, s, task) => ({ task, call: 'pidfd_open', target: someTask(r, s), fd: newFd(s, task, 'pidfd') })],
  [2, (r, s, task) => {
    const fd = someFd(r, s, task);
    fdsOf(s, task).delete(fd);
    return { task, call: 'close', fd };
  }],
  [3, (r, s, task) => ({ task, call: 'readlink', target: r.chance(0.5) ? task : someTask(r, s), link: r.pick(['time', 'time_for_children'] as const) })],
  [3, (r, s, task) => {
    const request = r.pick(Object.keys(NS_IOCTLS) as NsIoctl[]);
    const step: TaskStep = { task, call: 'ioctl', fd: someFd(r, s, task, ['time', 'user']), request };
    if (request === 'NS_GET_USERNS' || request === 'NS_GET_PARENT') step.result = newFd(s, task, 'pidfd'); // O_CLOEXEC as pidfds
    return step;
  }],
  [10, (r, s, task) => {
    // Reads matter most where the offsets are not zero: half of them are made by such a task.
    const st = s.peek();
    const shifted = Object.entries(st.tasks).filter(([h, t]) => {
      const ns = t.timeNs === null ? undefined : st.timeNamespaces[String(t.timeNs)];
      return ns && (ns.monotonic !== '0' || ns.boottime !== '0') && t.state === 'running' && !s.sleeping.has(h);
    });
    const who = shifted.length > 0 && r.chance(0.5) ? r.pick(shifted)[0] : task;
    return { task: who, call: 'clock_gettime', clock: someClock(r), vdso: r.chance(0.6) };
  }],
  [1, (r, _s, task) => ({ task, call: 'clock_getres', clock: someClock(r), vdso: r.chance(0.5) })],
  [1, (r, _s, task, o) => {
    const clock = r.pick(ALL_CLOCKS.filter((c) => !o.kernelSafe || (c !== 'CLOCK_REALTIME' && c !== 0)));
    return { task, call: 'clock_settime', clock, sec: String(r.chance(0.1) ? -1 : r.int(0, 2_000_000_000)), nsec: r.chance(0.1) ? 1_000_000_000 : r.int(0, 999_999_999) };
  }],
  [2, (_r, _s, task) => ({ task, call: 'read_uptime' })],
  [1, (_r, _s, task) => ({ task, call: 'sysinfo' })],
  [1, (_r, _s, task) => ({ task, call: 'read_btime' })],
  [2, (r, _s, task) => ({ task, call: 'setuid', uid: r.pick([0, 65534, 65534, 1000]) })],
  [2, (r, _s, task) => ({ task, call: 'drop_caps', caps: CAP_NAMES.filter(() => r.chance(0.3)) as CapName[] })],
  [3, (_r, _s, task) => ({ task, call: 'map_root' })],
  [1, (_r, _s, task) => ({ task, call: 'sysctl_read' })],
  [2, (r, _s, task) => ({ task, call: 'sysctl_write', value: r.pick([0, 1, 1, 2, 3, -1, INT_MAX]) })],
  [2, (r, s, task) => {
    if (lastStanding(s, task) && r.chance(0.9)) return { task, call: 'read_uptime' };
    gone(s, task);
    return { task, call: 'exit' };
  }],
  [1, (r, s, task) => {
    if (lastStanding(s, task) && r.chance(0.9)) return { task, call: 'sysinfo' };
    for (const t of siblings(s, task)) gone(s, t);
    return { task, call: 'exit_group' };
  }],
  [2, (r, s, task) => ({ task, call: 'wait', child: someTask(r, s) })],
  [2, (r) => ({ host: 'advance', ns: String(r.pick([1_000, 1_000_000, 1_000_000_000, 3_600_000_000_000])) })],
  [1, (r, _s, _t, o) => (o.kernelSafe ? { host: 'advance', ns: '1000000' } : { host: 'suspend', ns: String(r.pick([1_000_000_000, 86_400_000_000_000])) })],
];
const weight = (makers: [number, Maker][]) => makers.reduce((a, [w]) => a + w, 0);
/** Kernel programs leave out what the kernel backend cannot run yet: timers, sleeps, signals, clock sets. */
const ALL_MAKERS = [...MAKERS, ...TIMER_MAKERS];

function makeStep(r: Rng, s: Sketch, o: GenOptions): Step {
  const makers = o.kernelSafe && !o.kernelTimers ? MAKERS : ALL_MAKERS;
  let x = r.int(0, weight(makers) - 1);
  for (const [w, make] of makers) {
    if (x < w) return make(r, s, someTask(r, s), o);
    x -= w;
  }
  throw new Error('unreachable');
}

/** What generation learns from the model's answer: which creations failed, who is gone or blocked. */
function learn(s: Sketch, step: Step, obs: Observation): void {
  for (const c of obs.completions ?? []) s.sleeping.delete(c.task);
  if ('host' in step) return;
  if (obs.pending) s.sleeping.add(step.task);
  if (step.call === 'exec' && obs.ret === 0) s.timersOf.set(s.group.get(step.task) ?? -1, new Set());
  if (obs.err === 'ESRCH' && !('fd' in step && step.call === 'setns')) gone(s, step.task);
  if (obs.blocked) return;
  const binds = step.call === 'fork' || step.call === 'vfork' || step.call === 'thread' || step.call === 'clone3' ? step.child
    : step.call === 'open' || step.call === 'pidfd_open' || step.call === 'timerfd_create' ? step.fd
    : step.call === 'ioctl' ? step.result
    : step.call === 'timer_create' ? step.timer : undefined;
  if (binds && obs.ret === undefined) {
    if (binds.startsWith('t')) gone(s, binds);
    else if (binds.startsWith('k')) for (const timers of s.timersOf.values()) timers.delete(binds);
    else for (const fds of s.fdsOf.values()) fds.delete(binds);
  }
}

/**
 * Generation runs the model alongside, so that steps go mostly to tasks that are alive and fds that are
 * held: without it most steps of a long program would fall to ESRCH once one creation failed. The
 * program stays plain data; the model only steers the choices.
 */
export function generateProgram(mrng: fc.Random, o: GenOptions): Program {
  const r = rngOf(mrng);
  const e = env(r);
  const model = new Stepper(e, createModel);
  const real = typeof o.kernelTimers === 'object' ? o.kernelTimers.now : undefined;
  const s = newSketch(() => model.side.abstract(), () => real?.() ?? model.clocks());
  if (o.kernelSafe && o.kernelTimers) s.kernelTimers = true;
  const n = r.int(Math.max(1, Math.floor(o.maxSteps / 2)), o.maxSteps);
  const steps: Step[] = [];
  for (let i = 0; i < n; i++) {
    const step = makeStep(r, s, o);
    learn(s, step, model.step(step).obs);
    steps.push(step);
  }
  return { format: PROGRAM_FORMAT, kernel: 'current', env: e, steps };
}

class ProgramArbitrary extends fc.Arbitrary<Program> {
  constructor(private readonly options: GenOptions) {
    super();
  }
  generate(mrng: fc.Random): fc.Value<Program> {
    return new fc.Value(generateProgram(mrng, this.options), undefined);
  }
  canShrinkWithoutContext(value: unknown): value is Program {
    return typeof value === 'object' && value !== null && Array.isArray((value as Program).steps);
  }
  shrink(value: Program): fc.Stream<fc.Value<Program>> {
    return new fc.Stream(shrinkProgram(value)).map((p) => new fc.Value(p, undefined));
  }
}

/** Programs of up to maxSteps steps, shrinking by deleting and simplifying steps. */
export function programs(options: GenOptions): fc.Arbitrary<Program> {
  return new ProgramArbitrary(options);
}
