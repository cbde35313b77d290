// Generating programs. A step names its handles literally ("t3", "f2"), so the shrinker can delete any
// step without changing what the others mean: a reference to a handle whose creation was deleted simply
// gets the errno Linux gives for a dead pid or a closed fd. Generation tracks which handles it has made,
// so most references hit something live, and some deliberately do not.
import fc from 'fast-check';
import { CAP_NAMES, CLOCK_NAMES, INVALID_CLOCK_IDS, KTIME_SEC_MAX, INT_MAX, NS_IOCTLS, PROGRAM_FORMAT } from '../vocab/index.ts';
import type { CapName, ClockRef, CloneFlagName, NsIoctl, Program, ProgramEnv, Step, TaskStep } from '../vocab/index.ts';
import { shrinkProgram } from './shrink.ts';

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

type FdKind = 'offsets' | 'time' | 'user' | 'pidfd';

/** What generation knows of the handles it made; it never runs the program. */
interface Sketch {
  tasks: string[];
  exited: Set<string>;
  fds: { h: string; kind: FdKind }[];
  nextTask: number;
  nextFd: number;
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

function newTask(s: Sketch): string {
  const h = `t${s.nextTask++}`;
  s.tasks.push(h);
  return h;
}
function newFd(s: Sketch, kind: FdKind): string {
  const h = `f${s.nextFd++}`;
  s.fds.push({ h, kind });
  return h;
}

function someTask(r: Rng, s: Sketch): string {
  if (r.chance(0.02)) return `t${s.nextTask + r.int(0, 3)}`; // never created
  const live = s.tasks.filter((t) => !s.exited.has(t));
  return live.length > 0 && r.chance(0.95) ? r.pick(live) : r.pick(s.tasks);
}
function someFd(r: Rng, s: Sketch, prefer?: FdKind[]): string {
  if (s.fds.length === 0 || r.chance(0.03)) return `f${s.nextFd + r.int(0, 3)}`;
  const good = prefer ? s.fds.filter((f) => prefer.includes(f.kind)) : s.fds;
  return (good.length > 0 && r.chance(0.9) ? r.pick(good) : r.pick(s.fds)).h;
}

type Maker = (r: Rng, s: Sketch, task: string, o: GenOptions) => Step;

/** Each kind of step with its weight. Namespace and offsets work dominates, so states get deep. */
const MAKERS: [number, Maker][] = [
  [10, (r, _s, task) => ({ task, call: 'unshare', flags: flags<CloneFlagName>(r, [['CLONE_NEWTIME', 0.8], ['CLONE_NEWUSER', 0.3], ['CLONE_THREAD', 0.04], ['CLONE_VM', 0.04], ['CLONE_VFORK', 0.03]]) })],
  [12, (r, s, task) => {
    const file = r.pick(['timens_offsets', 'timens_offsets', 'timens_offsets', 'ns/time', 'ns/time_for_children', 'ns/time_for_children', 'ns/user'] as const);
    const mode = file === 'timens_offsets' ? r.pick(['w', 'w', 'rw', 'r'] as const) : 'r';
    const target = r.chance(0.6) ? task : someTask(r, s);
    return { task, call: 'open', target, file, mode, fd: newFd(s, file === 'timens_offsets' ? 'offsets' : file === 'ns/user' ? 'user' : 'time') };
  }],
  [11, (r, s, task) => ({ task, call: 'write', fd: someFd(r, s, ['offsets']), text: offsetText(r) })],
  [3, (r, s, task) => ({ task, call: 'read', fd: someFd(r, s, ['offsets']) })],
  [6, (_r, s, task) => ({ task, call: 'fork', child: newTask(s) })],
  [2, (_r, s, task) => ({ task, call: 'vfork', child: newTask(s) })],
  [3, (_r, s, task) => ({ task, call: 'thread', child: newTask(s) })],
  [6, (r, s, task) => ({ task, call: 'clone3', child: newTask(s), flags: flags<CloneFlagName>(r, [['CLONE_NEWTIME', 0.55], ['CLONE_NEWUSER', 0.2], ['CLONE_VM', 0.3], ['CLONE_VFORK', 0.15], ['CLONE_THREAD', 0.12]]) })],
  [5, (r, _s, task) => (r.chance(0.1) ? { task, call: 'exec', fail: true } : { task, call: 'exec' })],
  [8, (r, s, task) => ({ task, call: 'setns', fd: someFd(r, s, ['time', 'pidfd', 'time', 'user']), nstype: r.chance(0.4) ? [] : r.chance(0.85) ? ['CLONE_NEWTIME'] : ['CLONE_NEWUSER'] })],
  [3, (r, s, task) => ({ task, call: 'pidfd_open', target: someTask(r, s), fd: newFd(s, 'pidfd') })],
  [2, (r, s, task) => ({ task, call: 'close', fd: someFd(r, s) })],
  [3, (r, s, task) => ({ task, call: 'readlink', target: r.chance(0.5) ? task : someTask(r, s), link: r.pick(['time', 'time_for_children'] as const) })],
  [3, (r, s, task) => {
    const request = r.pick(Object.keys(NS_IOCTLS) as NsIoctl[]);
    const step: TaskStep = { task, call: 'ioctl', fd: someFd(r, s, ['time', 'user']), request };
    if (request === 'NS_GET_USERNS' || request === 'NS_GET_PARENT') step.result = newFd(s, 'user');
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
  [2, (_r, s, task) => { s.exited.add(task); return { task, call: 'exit' }; }],
  [1, (_r, s, task) => { s.exited.add(task); return { task, call: 'exit_group' }; }],
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

export function generateProgram(mrng: fc.Random, o: GenOptions): Program {
  const r = rngOf(mrng);
  const s: Sketch = { tasks: ['t0'], exited: new Set(), fds: [], nextTask: 1, nextFd: 0 };
  const n = r.int(Math.max(1, Math.floor(o.maxSteps / 2)), o.maxSteps);
  const steps = Array.from({ length: n }, () => makeStep(r, s, o));
  return { format: PROGRAM_FORMAT, kernel: 'current', env: env(r), steps };
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
