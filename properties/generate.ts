// Generating programs. A step names its handles literally ("t3", "f2"), so the shrinker can delete any
// step without changing what the others mean: a reference to a handle whose creation was deleted simply
// gets the errno Linux gives for a dead pid or a closed fd. Generation tracks which handles it has made,
// so most references hit something live, and some deliberately do not.
import fc from 'fast-check';
import { CAP_NAMES, CLOCK_NAMES, INVALID_CLOCK_IDS, KTIME_SEC_MAX, INT_MAX, NS_IOCTLS, PROGRAM_FORMAT } from '../vocab/index.ts';
import type { AbstractState, CapName, ClockRef, CloneFlagName, NsIoctl, Observation, ProcFile, Program, ProgramEnv, Step, TaskStep } from '../vocab/index.ts';
import { shrinkProgram } from './shrink.ts';
import { createModel } from '../model/index.ts';
import { Stepper } from '../harness/run.ts';

export interface GenOptions {
  maxSteps: number;
  /** Leave out what cannot happen on a real machine: suspend, setting the realtime clock. */
  kernelSafe?: boolean;
}

type Rng = { int(lo: number, hi: number): number; chance(p: number): boolean; pick<T>(xs: readonly T[]): T };

function rngOf(mrng: fc.Random): Rng {
  return {
    int: (lo, hi) => mrng.nextInt(lo, hi),
    chance: (p) => mrng.nextInt(0, 9999) < p * 10000,
    pick: (xs) => xs[mrng.nextInt(0, xs.length - 1)],
  };
}

type FdKind = 'offsets' | 'offsets-w' | 'time' | 'user' | 'pidfd';

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
  /** The model's state right now, for the few choices that need more than handles. */
  peek: () => AbstractState;
}

function newSketch(peek: () => AbstractState): Sketch {
  return {
    tasks: ['t0'], group: new Map([['t0', 0]]), fdsOf: new Map([[0, new Set()]]), kind: new Map(),
    exited: new Set(), blockedBy: new Map(), nextTask: 1, nextFd: 0, nextGroup: 1, peek,
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
  const live = s.tasks.filter((t) => !s.exited.has(t) && !s.blockedBy.has(t));
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
  [10, (r, _s, task) => ({ task, call: 'clock_gettime', clock: someClock(r), vdso: r.chance(0.6) })],
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
const TOTAL_WEIGHT = MAKERS.reduce((a, [w]) => a + w, 0);

function makeStep(r: Rng, s: Sketch, o: GenOptions): Step {
  let x = r.int(0, TOTAL_WEIGHT - 1);
  for (const [w, make] of MAKERS) {
    if (x < w) return make(r, s, someTask(r, s), o);
    x -= w;
  }
  throw new Error('unreachable');
}

/** What generation learns from the model's answer: which creations failed, who is gone or blocked. */
function learn(s: Sketch, step: Step, obs: Observation): void {
  if ('host' in step) return;
  if (obs.err === 'ESRCH' && !('fd' in step && step.call === 'setns')) gone(s, step.task);
  if (obs.blocked) return;
  const binds = 'child' in step && step.call !== 'wait' ? step.child : 'fd' in step && (step.call === 'open' || step.call === 'pidfd_open') ? step.fd : step.call === 'ioctl' ? step.result : undefined;
  if (binds && obs.ret === undefined) {
    if (binds.startsWith('t')) gone(s, binds);
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
  const s = newSketch(() => model.side.abstract());
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
