// Kernel versus model: the model runs twice in lock-step, once at each step's `before` host clocks and
// once at its `after` clocks. The real step happened somewhere in between, so:
//   - fields that do not depend on time must equal the model's exactly (after namespace inode numbers
//     are replaced by first-appearance labels on each side);
//   - time values (clock readings, uptime, btime) must lie between the two models' values;
//   - when the two models disagree on the outcome itself (a range boundary was crossed during the
//     bracket), the kernel may show either: the pair of models is the set of allowed outcomes.
// Steps the executor refused never ran on the kernel; neither model makes them either.
//
// Timers and blocking calls add three tolerances, each derived from what the bracket leaves open:
//   - remaining times (itimer values, the time left by an interrupted sleep) count down from an expiry
//     that a relative arming fixed somewhere inside the arming step's bracket, and are read somewhere
//     inside the reading step's bracket: the kernel's value may lie up to the reading step's bracket
//     width beyond either model's (REMAINING_SLACK);
//   - counts of periods (timer overruns, timerfd ticks) may differ from both models by one period, for
//     the same reason (COUNT_SLACK);
//   - a blocking call is judged as a whole, not step by step (judgeCall): the executor sees a call's
//     end only when the task's reply reaches it, so the kernel may report it (as a completion, or as
//     the call's own outcome when the call ended before the executor saw it asleep) up to one step
//     after the later of the models' steps (COMPLETION_WINDOW.late). It may not report it before the
//     `after` model does, except where a relative arming set the expiry: the `after` model arms at
//     the end of the arming step's bracket, the kernel somewhere inside it, so only the `before`
//     model (the earliest possible expiry) bounds it: it must end the call no later than one step
//     after the kernel (COMPLETION_WINDOW.earlyRelative). Its outcome must be one the models give,
//     with the remaining-time tolerance above.
import { CLOCKS, PROC_TIME_INIT_INO, PROC_USER_INIT_INO, isHostEvent } from '../vocab/index.ts';
import type { Backend, BackendFactory, Completion, Observation, Program, Step, TaskCall, TaskStep } from '../vocab/index.ts';
import { isRefused, runOnKernel } from './driver.ts';
import type { KernelRun, Refused, RunOptions } from './driver.ts';

export interface Disagreement {
  index: number;
  step: Step;
  kernel: Observation;
  /** The model at the `before` clocks and at the `after` clocks (inode labels applied). */
  modelBefore: Observation;
  modelAfter: Observation;
  reason: string;
}

export interface Comparison {
  /** Steps compared (refused steps excluded). */
  compared: number;
  /** Indices of steps the executor refused to run. */
  refused: number[];
  /** Every step compared, up to and including a disagreement: what the kernel and both models showed. */
  trace: { index: number; step: Step; kernel: Observation; modelBefore: Observation; modelAfter: Observation }[];
  disagreement?: Disagreement;
}

// ---- Inode labels ------------------------------------------------------------------------------------

/** Maps namespace inode numbers to labels by first appearance; the initial namespaces are fixed. */
class InodeLabels {
  private readonly labels = new Map<string, string>();
  constructor(initialTime: number, initialUser: number) {
    this.labels.set(String(initialTime), 'init');
    this.labels.set(String(initialUser), 'init-user');
  }
  label(ino: string): string {
    if (!this.labels.has(ino)) this.labels.set(ino, `#${this.labels.size - 1}`);
    return this.labels.get(ino)!;
  }
  apply(obs: Observation): Observation {
    if (obs.link === undefined) return obs;
    return { ...obs, link: obs.link.replace(/\[(\d+)\]/, (_, n: string) => `[${this.label(n)}]`) };
  }
}

// ---- Which fields are time ------------------------------------------------------------------------------

const CPU_CLOCKS = new Set<number>([CLOCKS.CLOCK_PROCESS_CPUTIME_ID, CLOCKS.CLOCK_THREAD_CPUTIME_ID]);

type TimeKind = 'none' | 'time' | 'cputime' | 'value' | 'uptime' | 'itimer' | 'overrun' | 'count-ret' | 'ticks';

/** Remaining times may lie this many bracket widths (of the step that reads them) beyond the models'. */
export const REMAINING_SLACK = 1n;
/** Period counts may lie this many periods beyond the models'. */
export const COUNT_SLACK = 1n;
/** Where the kernel may report a blocking call's end, relative to the steps the two models report it:
 *  from `early` steps before the earlier one to `late` steps after the later one. */
export const COMPLETION_WINDOW = { earlyRelative: 1, late: 1 } as const;

function timeKind(step: Step): TimeKind {
  if (isHostEvent(step)) return 'none';
  switch (step.call) {
    case 'timer_settime': case 'timer_gettime': case 'timerfd_settime': case 'timerfd_gettime': return 'itimer';
    case 'sigwait': return 'overrun';
    case 'timer_getoverrun': return 'count-ret';
    case 'read': return 'ticks';
    case 'clock_gettime': {
      const id = typeof step.clock === 'number' ? step.clock : CLOCKS[step.clock];
      return CPU_CLOCKS.has(id) ? 'cputime' : 'time';
    }
    case 'sysinfo': case 'read_btime': return 'value';
    case 'read_uptime': return 'uptime';
    default: return 'none';
  }
}

/** The observation with its time-valued fields blanked: what must match exactly. */
function shape(obs: Observation, kind: TimeKind): string {
  const o: Record<string, unknown> = { ...obs };
  delete o.completions; // judged per call (judgeCall), not per step
  if (obs.ret === undefined || obs.err !== undefined || obs.blocked) return JSON.stringify(o, Object.keys(o).sort());
  if (kind === 'itimer' && obs.itimer) o.itimer = { value: '*', interval: obs.itimer.interval };
  if (kind === 'overrun') o.overrun = '*';
  if (kind === 'count-ret') o.ret = '*';
  if (kind === 'ticks' && obs.ret === 8) o.value = '*';
  if (kind === 'time' || kind === 'cputime') o.time = '*';
  if (kind === 'value') o.value = '*';
  if (kind === 'uptime') {
    o.text = '*';
    o.ret = '*';
  }
  return JSON.stringify(o, Object.keys(o).sort());
}

/** "12.34 56.78\n" as two centisecond counts, or null when it is not /proc/uptime's format. */
function uptimeFields(text: string | undefined): [bigint, bigint] | null {
  const m = /^(\d+)\.(\d\d) (\d+)\.(\d\d)\n$/.exec(text ?? '');
  return m ? [BigInt(m[1] + m[2]), BigInt(m[3] + m[4])] : null;
}

function between(v: bigint, a: bigint, b: bigint): boolean {
  return (a <= b ? a : b) <= v && v <= (a <= b ? b : a);
}

/** Whether v lies within [min - slack, max + slack] of the values given. */
function near(v: bigint, values: bigint[], slack: bigint): boolean {
  const lo = values.reduce((a, b) => (a < b ? a : b)) - slack;
  const hi = values.reduce((a, b) => (a > b ? a : b)) + slack;
  return lo <= v && v <= hi;
}

/** Null when the kernel's time values lie within the two models'; else why not. `width` is the step's
 * bracket (monotonic after - before), the slack of remaining times. */
function timeWithin(kind: TimeKind, k: Observation, lo: Observation, hi: Observation, width = 0n): string | null {
  if (k.ret === undefined || k.err !== undefined || k.blocked) return null;
  switch (kind) {
    case 'itimer':
      return near(BigInt(k.itimer!.value), [BigInt(lo.itimer!.value), BigInt(hi.itimer!.value)], REMAINING_SLACK * width)
        ? null : 'remaining time outside the bracket';
    case 'overrun':
      return near(BigInt(k.overrun!), [BigInt(lo.overrun!), BigInt(hi.overrun!)], COUNT_SLACK) ? null : 'overrun outside the bracket';
    case 'count-ret':
      return near(BigInt(k.ret), [BigInt(lo.ret!), BigInt(hi.ret!)], COUNT_SLACK) ? null : 'overrun outside the bracket';
    case 'ticks':
      if (k.ret !== 8) return null;
      return near(BigInt(k.value!), [BigInt(lo.value!), BigInt(hi.value!)], COUNT_SLACK) ? null : 'expirations outside the bracket';
    case 'none': return null;
    case 'cputime': return BigInt(k.time!) >= 0n ? null : 'a CPU clock read negative';
    case 'time':
      return between(BigInt(k.time!), BigInt(lo.time!), BigInt(hi.time!)) ? null : 'clock value outside the bracket';
    case 'value':
      return between(BigInt(k.value!), BigInt(lo.value!), BigInt(hi.value!)) ? null : 'value outside the bracket';
    case 'uptime': {
      const [kf, lf, hf] = [uptimeFields(k.text), uptimeFields(lo.text), uptimeFields(hi.text)];
      if (!kf) return 'kernel /proc/uptime text is malformed';
      if (!lf || !hf) return 'model /proc/uptime text is malformed';
      if (k.ret !== k.text!.length) return 'kernel read length differs from its text';
      if (!between(kf[0], lf[0], hf[0])) return 'uptime outside the bracket';
      if (!between(kf[1], lf[1], hf[1])) return 'idle time outside the bracket';
      return null;
    }
  }
}

/** Null when the kernel's observation is one the two models allow; else the reason. Completions are
 * not judged here (judgeCall). `width`: the step's bracket width in nanoseconds. */
export function judgeStep(step: Step, k: Observation, before: Observation, after: Observation, width = 0n): string | null {
  const kind = timeKind(step);
  if (mayBlock(step) && (before.pending || after.pending)) {
    // The call blocked in some model: its end, whenever the kernel reports it, is judged by judgeCall.
    return null;
  }
  if (mayBlock(step) && k.pending) return 'the kernel blocked in a call that returns at once in both models';
  const [ks, bs, as] = [shape(k, kind), shape(before, kind), shape(after, kind)];
  if (bs === as) {
    if (ks !== bs) return 'outcome differs';
    return timeWithin(kind, k, before, after, width);
  }
  // The models straddle a boundary: either outcome is allowed, with its own time values unchecked.
  return ks === bs || ks === as ? null : 'outcome matches neither model';
}

// ---- Blocking calls, judged as a whole --------------------------------------------------------------

const BLOCKING_CALLS = new Set<TaskCall>(['clock_nanosleep', 'nanosleep', 'futex_wait', 'read']);

function mayBlock(step: Step): step is TaskStep {
  return !isHostEvent(step) && BLOCKING_CALLS.has(step.call);
}

/** What a call returned, without whose it was. */
type CallOutcome = Omit<Completion, 'task' | 'call'>;

function outcomeOf(o: Observation | Completion): CallOutcome {
  const out: CallOutcome = {};
  if (o.ret !== undefined) out.ret = o.ret;
  if (o.err !== undefined) out.err = o.err;
  if (o.time !== undefined) out.time = o.time;
  if (o.value !== undefined) out.value = o.value;
  return out;
}

/** One blocking call, from the step that made it to the step each side reports its end in. */
export interface CallRecord {
  task: string;
  call: TaskCall;
  start: number;
  /** Its expiry was set by a relative arming (a relative sleep; a timerfd that may have been armed
   *  relative), so it is uncertain by that arming step's bracket. */
  relative: boolean;
  ends: { kernel?: { step: number; out: CallOutcome }; before?: { step: number; out: CallOutcome }; after?: { step: number; out: CallOutcome } };
}

/** Null when the kernel's end of the call is one the models allow; else the reason. `width`: the
 * bracket width of the step the kernel reported the end in. */
export function judgeCall(r: CallRecord, width: bigint): string | null {
  const { kernel, before, after } = r.ends;
  if (!kernel || !before || !after) return null;
  const lo = r.relative ? before.step - COMPLETION_WINDOW.earlyRelative : Math.min(before.step, after.step);
  const hi = Math.max(before.step, after.step) + COMPLETION_WINDOW.late;
  if (kernel.step < lo || kernel.step > hi) {
    return `the kernel ended the ${r.call} of ${r.task} in compared step ${kernel.step}, the models in compared steps ${before.step} and ${after.step}`;
  }
  const strip = (o: CallOutcome) => JSON.stringify({ ...o, time: o.time === undefined ? undefined : '*', value: o.value === undefined ? undefined : '*' });
  const matching = [before.out, after.out].filter((m) => strip(m) === strip(kernel.out));
  // A relative sleep a model interrupts with less time left than the bracket is wide may have reached
  // its expiry on the kernel before the signal came (the remaining-time tolerance reaches 0).
  const expiredFirst = r.relative && kernel.out.ret === 0 && kernel.out.err === undefined
    && [before.out, after.out].some((m) => m.err === 'EINTR' && m.time !== undefined && BigInt(m.time) <= REMAINING_SLACK * width);
  if (matching.length === 0 && expiredFirst) return null;
  if (matching.length === 0) return `the ${r.call} of ${r.task} ended differently`;
  if (kernel.out.time !== undefined) {
    // The time an interrupted sleep had left: from 0 when only one model was interrupted (the other's
    // sleep had ended).
    const times = matching.map((m) => BigInt(m.time!));
    if (matching.length === 1) times.push(0n);
    if (!near(BigInt(kernel.out.time), times, REMAINING_SLACK * width)) return `the time left by the ${r.call} of ${r.task} is outside the bracket`;
  }
  if (kernel.out.value !== undefined && !near(BigInt(kernel.out.value), matching.map((m) => BigInt(m.value!)), COUNT_SLACK)) {
    return `the expirations read by ${r.task} are outside the bracket`;
  }
  return null;
}

/** Follows every blocking call through the run: where each side reports its end. */
class CallTracker {
  /** Open calls, oldest first (a task may start a new call on one side before another side has
   *  ended its previous one). Steps are counted among compared steps: refused ones happen nowhere. */
  private open: CallRecord[] = [];

  /** A step that may block: opens a record when some side blocked in it. */
  started(index: number, step: TaskStep, k: Observation, before: Observation, after: Observation): void {
    if (!mayBlock(step) || !(k.pending || before.pending || after.pending)) return;
    if (k.blocked || before.blocked || after.blocked) return;
    const relative = step.call === 'nanosleep' || step.call === 'read' || (step.call === 'clock_nanosleep' && !step.abs);
    const r: CallRecord = { task: step.task, call: step.call, start: index, relative, ends: {} };
    if (!k.pending) r.ends.kernel = { step: index, out: outcomeOf(k) };
    if (!before.pending) r.ends.before = { step: index, out: outcomeOf(before) };
    if (!after.pending) r.ends.after = { step: index, out: outcomeOf(after) };
    this.open.push(r);
  }

  /** The completions each side reports in step `index`; a reason when one names no open call. */
  ended(index: number, side: 'kernel' | 'before' | 'after', completions: Completion[] | undefined): string | null {
    for (const c of completions ?? []) {
      const r = this.open.find((x) => x.task === c.task && !x.ends[side]);
      if (!r || r.call !== c.call) return `${side === 'kernel' ? 'the kernel' : `the model (${side})`} ended a ${c.call} of ${c.task} that no side started`;
      r.ends[side] = { step: index, out: outcomeOf(c) };
    }
    return null;
  }

  /** After step `index`: judges the calls every side has ended, and fails the ones a side has not
   *  ended although another did so long ago that no window allows it. */
  settle(index: number, width: (step: number) => bigint): string | null {
    for (const r of [...this.open]) {
      const task = r.task;
      const ends = Object.values(r.ends);
      if (ends.length === 3) {
        this.open = this.open.filter((x) => x !== r);
        const reason = judgeCall(r, width(r.ends.kernel!.step));
        if (reason) return reason;
        continue;
      }
      const { kernel, before, after } = r.ends;
      if (before && after && !kernel && index > Math.max(before.step, after.step) + COMPLETION_WINDOW.late) {
        return `the models ended the ${r.call} of ${task} in steps ${before.step} and ${after.step}, the kernel not by step ${index}`;
      }
      if (kernel && !before && index > kernel.step + COMPLETION_WINDOW.earlyRelative) {
        return `the kernel ended the ${r.call} of ${task} in step ${kernel.step}, the model (before) not by step ${index}`;
      }
    }
    return null;
  }
}

// ---- Running -----------------------------------------------------------------------------------------------

export function compareRun(program: Program, run: KernelRun, factory: BackendFactory): Comparison {
  const sides: Backend[] = [factory(run.env), factory(run.env)];
  const kernelLabels = new InodeLabels(run.initialTimeNs, run.initialUserNs);
  const modelLabels = [new InodeLabels(PROC_TIME_INIT_INO, PROC_USER_INIT_INO), new InodeLabels(PROC_TIME_INIT_INO, PROC_USER_INIT_INO)];
  const result: Comparison = { compared: 0, refused: [], trace: [] };
  const calls = new CallTracker();
  /** Program step index of each compared step. */
  const ordinals: number[] = [];
  const widthOf = (ordinal: number) => {
    const k = run.steps[ordinals[ordinal]];
    return k.after.monotonic - k.before.monotonic;
  };
  for (const [index, step] of program.steps.entries()) {
    const ks = run.steps[index];
    if (isRefused(ks.obs)) {
      result.refused.push(index);
      continue;
    }
    const kernel = kernelLabels.apply(ks.obs);
    const modelBefore = modelLabels[0].apply(sides[0].step(step, ks.before));
    const modelAfter = modelLabels[1].apply(sides[1].step(step, ks.after));
    result.compared++;
    result.trace.push({ index, step, kernel, modelBefore, modelAfter });
    // A call may start and (on the kernel) end within one step, so it is opened before ends are taken.
    const ordinal = result.compared - 1;
    ordinals.push(index);
    if (!isHostEvent(step)) calls.started(ordinal, step, kernel, modelBefore, modelAfter);
    const reason = judgeStep(step, kernel, modelBefore, modelAfter, widthOf(ordinal))
      ?? calls.ended(ordinal, 'kernel', kernel.completions)
      ?? calls.ended(ordinal, 'before', modelBefore.completions)
      ?? calls.ended(ordinal, 'after', modelAfter.completions)
      ?? calls.settle(ordinal, widthOf);
    if (reason) {
      result.disagreement = { index, step, kernel, modelBefore, modelAfter, reason };
      return result;
    }
  }
  return result;
}

export async function compareOnKernel(program: Program, factory: BackendFactory, options: RunOptions = {}): Promise<Comparison & { run: KernelRun }> {
  const run = await runOnKernel(program, options);
  return { ...compareRun(program, run, factory), run };
}

export function describeDisagreement(d: Disagreement): string {
  return [
    `step ${d.index}: ${JSON.stringify(d.step)}`,
    `  ${d.reason}`,
    `  kernel:        ${JSON.stringify(d.kernel)}`,
    `  model(before): ${JSON.stringify(d.modelBefore)}`,
    `  model(after):  ${JSON.stringify(d.modelAfter)}`,
  ].join('\n');
}

export type { Refused };
