// What generation reaches, counted from what the model did with the generated programs: the inputs a bug
// can hide behind (absolute targets before a namespace's offset, timers whose task changes namespace,
// every clock through the vDSO in a shifted namespace, every optional field, the boundaries of every
// value). Each feature is a name; a test requires every name to be reached over a fixed seed's programs.
import fc from 'fast-check';
import { CLOCKS, CLOCK_NAMES, INVALID_CLOCK_IDS, KTIME_MAX, KTIME_SEC_MAX, NSEC_PER_SEC, isHostEvent, observedIn } from '../vocab/index.ts';
import type { AbstractState, ClockRef, Observation, Program, ProgramEnv, ProgramStep, Step, TaskCall, TaskStep, Timespec } from '../vocab/index.ts';
import { createModel } from '../model/index.ts';
import { Stepper } from '../harness/run.ts';
import { programs, type GenOptions } from './generate.ts';
import { OFFSET_NSEC_TEXTS, OFFSET_NSEC_TEXTS_SIMULATED, OFFSET_SEC_TEXTS, TIMESPEC_BOUNDARIES } from './boundaries.ts';

// ---- Optional fields, derived from the program format ------------------------------------------------

type StepOf<C extends TaskCall> = Extract<TaskStep, { call: C }>;
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/** The optional fields of every call. The type below fails to compile when a field is added to
 *  vocab/program.ts and not listed here, so a new field cannot be left ungenerated unnoticed. */
export const OPTIONAL_FIELDS = {
  fork: [], vfork: [], thread: [], clone3: [], clone: [], exec: ['fail'], exit: ['code'], exit_group: ['code'], wait: ['syscall', 'options'],
  unshare: [], setns: [], open: [], pidfd_open: [], close: [], read: ['count', 'pos'], write: ['pos'], lseek: [], ioctl: ['result'], readlink: [],
  clock_gettime: [], clock_getres: [], clock_settime: [], gettimeofday: [], time: [], read_uptime: [], sysinfo: [], read_btime: [],
  read_starttime: [], times: [],
  setuid: [], drop_caps: [], prctl: [], map_root: [], sysctl_read: [], sysctl_write: [],
  timer_create: [], timer_settime: [], timer_gettime: [], timer_getoverrun: [], timer_delete: [], sigwait: [],
  timerfd_create: [], timerfd_settime: [], timerfd_gettime: [], clock_nanosleep: [], nanosleep: [], futex_wait: [],
} as const satisfies { [C in TaskCall]: readonly OptionalKeys<StepOf<C>>[] };
export const OPTIONAL_ENV_FIELDS = ['caps', 'rtc', 'maxTimeNamespaces', 'start'] as const satisfies readonly OptionalKeys<ProgramEnv>[];

type Listed<C extends TaskCall> = (typeof OPTIONAL_FIELDS)[C][number];
/** `label` is every step's, counted with observed values (FeatureCounter.observed). */
type Unlisted = { [C in TaskCall]: Exclude<OptionalKeys<StepOf<C>>, Listed<C> | 'label'> }[TaskCall];
type UnlistedEnv = Exclude<OptionalKeys<ProgramEnv>, (typeof OPTIONAL_ENV_FIELDS)[number]>;
/** Compiles only while both lists are complete. */
export const OPTIONAL_LISTS_COMPLETE: [Unlisted, UnlistedEnv] extends [never, never] ? true : never = true;

/** The text timens_offsets shows now for a target, from the abstract state (undefined: none). */
function offsetsTextOf(st: AbstractState, target: string): string | undefined {
  const ns = st.timeNamespaces[String(st.tasks[target]?.timeNsForChildren)];
  if (!ns) return undefined;
  const line = (name: string, v: string) => {
    const n = BigInt(v);
    let sec = n / NSEC_PER_SEC;
    if (n < 0n && sec * NSEC_PER_SEC !== n) sec -= 1n;
    return `${name.padEnd(10)} ${String(sec).padStart(10)} ${String(n - sec * NSEC_PER_SEC).padStart(9)}\n`;
  };
  return line('monotonic', ns.monotonic) + line('boottime', ns.boottime);
}

// ---- Boundaries of values -------------------------------------------------------------------------------

const S64_MAX = (1n << 63n) - 1n;

// ---- The features -----------------------------------------------------------------------------------------

const SHIFTED = new Set<number>([CLOCKS.CLOCK_MONOTONIC, CLOCKS.CLOCK_BOOTTIME, CLOCKS.CLOCK_BOOTTIME_ALARM]);
const clockId = (c: ClockRef) => (typeof c === 'number' ? c : CLOCKS[c]);
const nanos = (t: Timespec) => BigInt(t.sec) * NSEC_PER_SEC + BigInt(t.nsec);
const validTs = (t: Timespec) => t.nsec >= 0 && t.nsec < 1e9 && BigInt(t.sec) >= 0n;

function offsetOf(st: AbstractState, task: string, clock: number): bigint {
  const ns = st.timeNamespaces[String(st.tasks[task]?.timeNs)];
  if (!ns || !SHIFTED.has(clock)) return 0n;
  return BigInt(clock === CLOCKS.CLOCK_MONOTONIC ? ns.monotonic : ns.boottime);
}
const shiftedNs = (st: AbstractState, task: string) => {
  const ns = st.timeNamespaces[String(st.tasks[task]?.timeNs)];
  return ns !== undefined && (ns.monotonic !== '0' || ns.boottime !== '0');
};
/** The offsets a task's clocks show, as one comparable key. */
const offsetsKey = (st: AbstractState, ns: number | null | undefined) => {
  const n = st.timeNamespaces[String(ns)];
  return n ? `${n.monotonic}/${n.boottime}` : '';
};

function boundaries(t: Timespec, offset: bigint | null): string[] {
  const f: string[] = [];
  if (BigInt(t.sec) === S64_MAX) f.push('sec 2^63-1');
  if (!validTs(t)) return f;
  const v = nanos(t);
  if (v === 0n) f.push('0');
  if (v === 1n) f.push('1');
  if (v === KTIME_MAX || (BigInt(t.sec) === KTIME_SEC_MAX && t.nsec === 999_999_999)) f.push('KTIME_MAX');
  if (offset !== null && offset !== 0n) {
    if (v === offset - 1n) f.push('offset-1');
    if (v === offset) f.push('offset');
    if (v === offset + 1n) f.push('offset+1');
  }
  return f;
}

const worked = (o: Observation) => o.ret !== undefined || o.pending === true;

/** Tracks, over one program, what needs more than the step at hand: who armed which absolute timer. */
export class FeatureCounter {
  readonly counts: Record<string, number> = {};
  private armedAbs = new Map<string, string>(); // timer or timerfd -> the task that armed it absolute
  private cloneChildren = new Map<string, 'clone child' | 'exec\'d clone child'>(); // legacy clone, exit signal not SIGCHLD

  private hit(name: string): void {
    this.counts[name] = (this.counts[name] ?? 0) + 1;
  }

  private before: AbstractState | undefined;

  /** A program starts: the state before its first step is the model's initial one. */
  program(p: Program): void {
    for (const f of OPTIONAL_ENV_FIELDS) if (p.env[f] !== undefined) this.hit(`env.${f} set`);
    this.armedAbs.clear();
    this.cloneChildren.clear();
    this.before = new Stepper(p.env, createModel).side.abstract();
  }

  /** The observed values a step of the program uses (vocab/program.ts Observed), before it is made. */
  observed(step: ProgramStep, obs: Observation): void {
    const used = observedIn(step);
    if (used.length === 0 || isHostEvent(step)) return;
    if (obs.unresolved) this.hit('observed: step not made (unresolved)');
    for (const o of used) {
      this.hit(`observed: ${step.call}.${step.call === 'write' ? 'text' : 'value'} from ${o.field}`);
      this.hit(`observed: by ${typeof o.from === 'number' ? 'index' : 'label'}`);
      const d = BigInt(o.delta);
      this.hit(`observed: delta ${d === 0n || d === 1n || d === -1n ? String(d) : d < 0n ? 'negative' : 'positive'}`);
    }
    if (step.call === 'write' && !obs.unresolved) this.hit(`observed: offsets from a clock reading ${obs.err === 'ERANGE' ? 'out of range (ERANGE)' : obs.err ?? 'accepted'}`);
  }

  /** One step ran with this observation, leaving this state. */
  step(step: Step, obs: Observation, after: AbstractState): void {
    const before = this.before!;
    this.before = after;
    if (isHostEvent(step)) return this.hit(`host:${step.host}`);
    for (const f of OPTIONAL_FIELDS[step.call] as readonly string[]) {
      this.hit(`${step.call}.${f} ${f in step ? 'set' : 'left out'}`);
    }
    this.timespecs(step, before);
    if ((step.call === 'prctl' || step.call === 'gettimeofday' || step.call === 'time') && worked(obs)) this.hit(`${step.call} succeeds`);
    if ((step.call === 'read_starttime' || step.call === 'times') && worked(obs)) this.hit(`${step.call} succeeds`);
    if (step.call === 'read_starttime' && worked(obs)) {
      const ns = before.tasks[step.task]?.timeNs;
      if (ns !== null && ns !== undefined && before.timeNamespaces[ns]?.boottime !== '0') this.hit('read_starttime: from a namespace with a boottime offset');
    }
    switch (step.call) {
      case 'timer_settime': case 'timerfd_settime': {
        const h = step.call === 'timer_settime' ? step.timer : step.fd;
        const timer = before.timers[h];
        if (!timer || obs.ret === undefined) break;
        if (step.abs && validTs(step.value) && nanos(step.value) !== 0n) this.armedAbs.set(h, step.task); else this.armedAbs.delete(h);
        const offset = offsetOf(before, step.task, timer.clock);
        if (!step.abs || !validTs(step.value) || nanos(step.value) === 0n) break;
        const iv = nanos(step.interval) !== 0n ? 'with' : 'without';
        if (nanos(step.value) < offset) this.hit(`${step.call}: absolute target before the namespace's offset, ${iv} interval`);
        break;
      }
      case 'clock_nanosleep': case 'futex_wait': {
        const clock = step.call === 'futex_wait' ? (step.realtime ? CLOCKS.CLOCK_REALTIME : CLOCKS.CLOCK_MONOTONIC) : clockId(step.clock);
        const abs = step.call === 'futex_wait' || step.abs;
        if (!abs || !validTs(step.value) || !worked(obs)) break;
        const offset = offsetOf(before, step.task, clock);
        if (nanos(step.value) === 0n && offset < 0n) this.hit(`${step.call}: absolute zero in a namespace with a negative offset`);
        if (nanos(step.value) < offset) this.hit(`${step.call}: absolute target before the namespace's offset`);
        break;
      }
      case 'timer_gettime': case 'timerfd_gettime': {
        const timer = before.timers[step.call === 'timer_gettime' ? step.timer : step.fd];
        if (timer?.expires !== null && timer !== undefined && obs.ret === 0 && shiftedNs(before, step.task)) this.hit(`${step.call} of an armed timer from a shifted namespace`);
        break;
      }
      case 'clock_gettime': case 'clock_getres':
        if (step.vdso && shiftedNs(before, step.task)) this.hit(`${step.call} vdso ${String(step.clock)} in a shifted namespace${worked(obs) ? '' : ' (failed)'}`);
        break;
      case 'setns': case 'exec':
        if (obs.ret === 0) this.entered(step.task, step.call, before, after);
        if (step.call === 'exec' && obs.ret === 0 && this.cloneChildren.has(step.task)) this.cloneChildren.set(step.task, 'exec\'d clone child');
        break;
      case 'clone':
        if (obs.ret === 0 && step.exitSignal !== 17 && !step.flags.includes('CLONE_THREAD')) this.cloneChildren.set(step.child, 'clone child');
        break;
      case 'read': {
        const fd = before.processes[before.tasks[step.task]?.leader ?? '']?.fds[step.fd];
        if (fd?.kind !== 'offsets' || obs.text === undefined) break;
        if (step.pos === 'current' && obs.ret! > 0 && obs.ret! < (step.count ?? 4096)) this.hit('read: timens_offsets to its end from a moved file position');
        if (step.pos === 'current' && obs.ret === step.count) this.hit('read: timens_offsets part-way at the file position');
        const now = offsetsTextOf(before, fd.target);
        if (step.pos === 'current' && now !== undefined && obs.text !== '' && !now.includes(obs.text)) this.hit('read: the rest of a text made before the offsets changed');
        break;
      }
      case 'lseek':
        if (before.processes[before.tasks[step.task]?.leader ?? '']?.fds[step.fd]?.kind === 'offsets' && obs.ret !== undefined) this.hit('lseek: timens_offsets');
        break;
      case 'wait': {
        if (obs.ret === 1 && obs.status !== 0) this.hit('wait: a child reaped with a non-zero status');
        const kind = this.cloneChildren.get(step.child);
        const opts = step.options ?? ['__WALL'];
        const how = opts.includes('__WALL') ? '__WALL' : opts.includes('__WCLONE') ? '__WCLONE' : 'neither __WCLONE nor __WALL';
        if (kind && (obs.ret !== undefined || obs.err === 'ECHILD')) this.hit(`wait for ${kind === 'clone child' ? 'a' : 'an'} ${kind} with ${how}: ${obs.ret === undefined ? 'ECHILD' : 'waited'}`);
        break;
      }
      case 'write':
        if (before.processes[before.tasks[step.task]?.leader ?? '']?.fds[step.fd]?.kind === 'offsets') this.offsetsText(step.text);
        break;
    }
  }

  /** An absolute timer stays put when its arming task, or another thread of its process, moves to a
   *  namespace whose offsets differ (exec deletes POSIX timers; a timerfd lives on in its fd). */
  private entered(task: string, how: 'setns' | 'exec', before: AbstractState, after: AbstractState): void {
    const t0 = before.tasks[task];
    const t1 = after.tasks[task];
    if (!t0 || !t1 || offsetsKey(before, t0.timeNs) === offsetsKey(after, t1.timeNs)) return;
    const held = before.processes[t0.leader]?.fds ?? {};
    for (const [h, armer] of this.armedAbs) {
      const timer = before.timers[h];
      if (!timer || timer.expires === null || !SHIFTED.has(timer.clock)) continue;
      if (timer.kind === 'posix' && timer.owner === t0.leader) {
        const who = armer === task ? 'its task' : 'another thread of its process';
        this.hit(how === 'exec' ? 'absolute POSIX timer armed, then its process execs into other offsets (exec deletes it)'
          : `absolute POSIX timer armed, then ${who} enters other offsets by setns`);
      }
      if (timer.kind === 'timerfd' && Object.values(held).some((fd) => fd.kind === 'timerfd' && fd.timer === h)) {
        this.hit(`absolute timerfd armed, then its holder enters other offsets by ${how}`);
      }
    }
  }

  private offsetsText(text: string): void {
    for (const line of text.split('\n')) {
      const [, sec, nsec] = line.trim().split(/\s+/);
      for (const [name, t] of Object.entries(OFFSET_SEC_TEXTS)) if (sec === t) this.hit(`offsets sec ${name}`);
      for (const [name, t] of Object.entries({ ...OFFSET_NSEC_TEXTS, ...OFFSET_NSEC_TEXTS_SIMULATED })) if (nsec === t) this.hit(`offsets nsec ${name}`);
    }
  }

  private timespecs(step: TaskStep, before: AbstractState): void {
    const at = (field: string, t: Timespec, offset: bigint | null) => {
      for (const b of boundaries(t, offset)) this.hit(`${field} ${b}`);
    };
    switch (step.call) {
      case 'timer_settime': case 'timerfd_settime': {
        const timer = before.timers[step.call === 'timer_settime' ? step.timer : step.fd];
        at(`${step.call}.value (${step.abs ? 'abs' : 'rel'})`, step.value, step.abs && timer ? offsetOf(before, step.task, timer.clock) : null);
        at(`${step.call}.interval`, step.interval, null);
        break;
      }
      case 'clock_nanosleep':
        at(`clock_nanosleep.value (${step.abs ? 'abs' : 'rel'})`, step.value, step.abs ? offsetOf(before, step.task, clockId(step.clock)) : null);
        break;
      case 'nanosleep': at('nanosleep.value', step.value, null); break;
      case 'futex_wait': at('futex_wait.value', step.value, step.realtime ? null : offsetOf(before, step.task, CLOCKS.CLOCK_MONOTONIC)); break;
      case 'clock_settime': at('clock_settime', { sec: step.sec, nsec: step.nsec }, null); break;
    }
  }
}

// ---- What must be reached -----------------------------------------------------------------------------------

const clocksVia = (call: string) => [...CLOCK_NAMES, ...INVALID_CLOCK_IDS].map((c) =>
  `${call} vdso ${String(c)} in a shifted namespace${typeof c === 'number' ? ' (failed)' : ''}`);

/** Every feature generation must reach. `kernel`: the kernel-safe generation (no realtime sets). */
export function requiredFeatures(kernel: boolean): string[] {
  const f: string[] = [];
  for (const [call, fields] of Object.entries(OPTIONAL_FIELDS)) {
    for (const field of fields as readonly string[]) f.push(`${call}.${field} set`, `${call}.${field} left out`);
  }
  if (!kernel) for (const e of OPTIONAL_ENV_FIELDS) f.push(`env.${e} set`);
  for (const call of ['timer_settime', 'timerfd_settime']) {
    for (const iv of ['with', 'without']) f.push(`${call}: absolute target before the namespace's offset, ${iv} interval`);
    for (const b of TIMESPEC_BOUNDARIES) f.push(`${call}.value (abs) ${b}`);
    for (const b of ['0', '1', 'KTIME_MAX', 'sec 2^63-1']) f.push(`${call}.value (rel) ${b}`, `${call}.interval ${b}`);
  }
  for (const b of TIMESPEC_BOUNDARIES) f.push(`clock_nanosleep.value (abs) ${b}`);
  for (const b of ['0', '1', 'KTIME_MAX', 'sec 2^63-1']) f.push(`clock_nanosleep.value (rel) ${b}`, `nanosleep.value ${b}`);
  f.push('clock_nanosleep: absolute zero in a namespace with a negative offset');
  for (const who of ['its task', 'another thread of its process']) f.push(`absolute POSIX timer armed, then ${who} enters other offsets by setns`);
  f.push('absolute POSIX timer armed, then its process execs into other offsets (exec deletes it)');
  for (const how of ['setns', 'exec']) f.push(`absolute timerfd armed, then its holder enters other offsets by ${how}`);
  f.push('timer_gettime of an armed timer from a shifted namespace', 'timerfd_gettime of an armed timer from a shifted namespace');
  f.push(...clocksVia('clock_gettime'));
  if (kernel) f.push('prctl succeeds', 'gettimeofday succeeds', 'time succeeds');
  if (kernel) f.push('read_starttime succeeds', 'times succeeds', 'read_starttime: from a namespace with a boottime offset');
  for (const call of ['timer_settime', 'timerfd_settime', 'clock_nanosleep', 'futex_wait']) f.push(`observed: ${call}.value from time`);
  f.push('observed: nanosleep.value from itimer.value', 'observed: write.text from time', 'observed: step not made (unresolved)',
    'observed: by index', 'observed: by label', ...['0', '1', '-1', 'negative', 'positive'].map((d) => `observed: delta ${d}`),
    'observed: offsets from a clock reading accepted', 'observed: offsets from a clock reading out of range (ERANGE)');
  f.push('read: timens_offsets part-way at the file position', 'read: timens_offsets to its end from a moved file position',
    'read: the rest of a text made before the offsets changed', 'lseek: timens_offsets');
  f.push('wait: a child reaped with a non-zero status', 'wait for a clone child with neither __WCLONE nor __WALL: ECHILD',
    'wait for a clone child with __WCLONE: waited', 'wait for a clone child with __WALL: waited',
    'wait for an exec\'d clone child with neither __WCLONE nor __WALL: waited', 'wait for an exec\'d clone child with __WCLONE: ECHILD');
  for (const name of Object.keys(OFFSET_SEC_TEXTS)) f.push(`offsets sec ${name}`);
  for (const name of Object.keys(OFFSET_NSEC_TEXTS)) f.push(`offsets nsec ${name}`);
  if (!kernel) for (const name of Object.keys(OFFSET_NSEC_TEXTS_SIMULATED)) f.push(`offsets nsec ${name}`);
  return f;
}

/** Generate `runs` programs from `seed` as a campaign would, run each on the model and count features. */
export function generationCoverage(o: GenOptions & { seed: number; runs: number }): { programs: number; steps: number; counts: Record<string, number> } {
  const counter = new FeatureCounter();
  let steps = 0;
  const sample = fc.sample(programs(o), { seed: o.seed, numRuns: o.runs });
  for (const p of sample) {
    counter.program(p);
    const model = new Stepper(p.env, createModel, p.kernel, p.steps);
    for (const step of p.steps) {
      const { obs, made } = model.step(step);
      counter.observed(step, obs);
      counter.step(made, obs, model.side.abstract());
      steps++;
    }
  }
  return { programs: sample.length, steps, counts: counter.counts };
}
