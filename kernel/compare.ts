// Kernel versus model: the model runs twice in lock-step, once at each step's `before` host clocks and
// once at its `after` clocks. The real step happened somewhere in between, so:
//   - fields that do not depend on time must equal the model's exactly (after namespace inode numbers
//     are replaced by first-appearance labels on each side);
//   - time values (clock readings, uptime, btime) must lie between the two models' values;
//   - when the two models disagree on the outcome itself (a range boundary was crossed during the
//     bracket), the kernel may show either: the pair of models is the set of allowed outcomes.
// Steps the executor refused never ran on the kernel; neither model makes them either.
import { CLOCKS, PROC_TIME_INIT_INO, PROC_USER_INIT_INO, isHostEvent } from '../vocab/index.ts';
import type { Backend, BackendFactory, Observation, Program, Step } from '../vocab/index.ts';
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

type TimeKind = 'none' | 'time' | 'cputime' | 'value' | 'uptime';

function timeKind(step: Step): TimeKind {
  if (isHostEvent(step)) return 'none';
  switch (step.call) {
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
  if (obs.ret === undefined || obs.err !== undefined || obs.blocked) return JSON.stringify(o);
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

/** Null when the kernel's time values lie within the two models'; else why not. */
function timeWithin(kind: TimeKind, k: Observation, lo: Observation, hi: Observation): string | null {
  if (k.ret === undefined || k.err !== undefined || k.blocked) return null;
  switch (kind) {
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

/** Null when the kernel's observation is one the two models allow; else the reason. */
export function judgeStep(step: Step, k: Observation, before: Observation, after: Observation): string | null {
  const kind = timeKind(step);
  const [ks, bs, as] = [shape(k, kind), shape(before, kind), shape(after, kind)];
  if (bs === as) {
    if (ks !== bs) return 'outcome differs';
    return timeWithin(kind, k, before, after);
  }
  // The models straddle a boundary: either outcome is allowed, with its own time values unchecked.
  return ks === bs || ks === as ? null : 'outcome matches neither model';
}

// ---- Running -----------------------------------------------------------------------------------------------

export function compareRun(program: Program, run: KernelRun, factory: BackendFactory): Comparison {
  const sides: Backend[] = [factory(run.env), factory(run.env)];
  const kernelLabels = new InodeLabels(run.initialTimeNs, run.initialUserNs);
  const modelLabels = [new InodeLabels(PROC_TIME_INIT_INO, PROC_USER_INIT_INO), new InodeLabels(PROC_TIME_INIT_INO, PROC_USER_INIT_INO)];
  const result: Comparison = { compared: 0, refused: [], trace: [] };
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
    const reason = judgeStep(step, kernel, modelBefore, modelAfter);
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
