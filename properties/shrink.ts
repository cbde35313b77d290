// Shrinking a program. Candidates come largest cut first: whole blocks of steps, then single steps, then
// simpler forms of one step. fast-check takes the first candidate that still fails and asks again, so a
// failure that needs k steps ends at a program where no single step can go and none can be simpler.
//
// Observed values stay valid through every cut: a step whose observed value reads a step that goes goes
// with it, and indices of the steps that stay are renumbered (labels need no renumbering).
import { isObserved, observedIn, observedIndex, stepLabels } from '../vocab/index.ts';
import type { Observed, Program, ProgramStep } from '../vocab/index.ts';

function withSteps(p: Program, steps: ProgramStep[]): Program {
  return { ...p, steps };
}

/** A step with each observed value given to `f`. */
function mapObserved(step: ProgramStep, f: (o: Observed) => Observed): ProgramStep {
  if ('host' in step) return step;
  if (step.call === 'write' && typeof step.text !== 'string') return { ...step, text: step.text.map((x) => (isObserved(x) ? f(x) : x)) };
  if ('value' in step && isObserved(step.value)) return { ...step, value: f(step.value) } as ProgramStep;
  return step;
}

/**
 * The steps without those in `cut`, and without every step whose observed value reads a step that goes
 * (which may in turn take others with it); observed values that name their step by index are renumbered.
 */
export function withoutSteps(steps: readonly ProgramStep[], cut: ReadonlySet<number>): ProgramStep[] {
  const labels = stepLabels(steps);
  const gone = new Set(cut);
  steps.forEach((s, i) => {
    if (observedIn(s).some((o) => { const j = observedIndex(o, labels); return j === undefined || gone.has(j); })) gone.add(i);
  });
  const newIndex: number[] = [];
  let n = 0;
  steps.forEach((_, i) => { newIndex[i] = gone.has(i) ? -1 : n++; });
  return steps.flatMap((s, i) => (gone.has(i) ? [] : [mapObserved(s, (o) => (typeof o.from === 'number' ? { ...o, from: newIndex[o.from] } : o))]));
}

/** Fields that name an existing task (not one the step creates). */
const TASK_REFS = ['task', 'target'] as const;

/** Simpler forms of one step: made by the initial task, fewer flags, fewer records, less time, observed
 *  values without their delta. */
function* simplerStep(step: ProgramStep): Generator<ProgramStep> {
  if ('host' in step) {
    if ((step.host === 'advance' || step.host === 'suspend') && step.ns !== '1000') yield { ...step, ns: '1000' };
    if (step.host === 'signal' && step.task !== 't0') yield { ...step, task: 't0' };
    return;
  }
  // Hoisting a step onto t0 lets the steps that only made its task go: a failure first found in a
  // grandchild shrinks to the same failure in the initial task when it shows there too.
  for (const ref of TASK_REFS) {
    const h = (step as Record<string, unknown>)[ref];
    if (typeof h === 'string' && h !== 't0') yield { ...step, [ref]: 't0' } as ProgramStep;
  }
  if (observedIn(step).some((o) => o.delta !== '0')) yield mapObserved(step, (o) => ({ ...o, delta: '0' }));
  switch (step.call) {
    case 'clone3':
    case 'unshare':
      for (let i = 0; i < step.flags.length; i++) yield { ...step, flags: step.flags.filter((_, j) => j !== i) };
      return;
    case 'clone':
      for (let i = 0; i < step.flags.length; i++) yield { ...step, flags: step.flags.filter((_, j) => j !== i) };
      if (step.exitSignal !== 17) yield { ...step, exitSignal: 17 };
      return;
    case 'read':
      if (step.count !== undefined || step.pos !== undefined) yield { task: step.task, call: 'read', fd: step.fd };
      return;
    case 'lseek':
      if (step.whence !== 'SEEK_SET' || step.offset !== 0) yield { ...step, offset: 0, whence: 'SEEK_SET' };
      return;
    case 'exit': case 'exit_group':
      if (step.code !== undefined) yield { task: step.task, call: step.call };
      return;
    case 'wait':
      if (step.syscall !== undefined || step.options !== undefined) yield { task: step.task, call: 'wait', child: step.child };
      return;
    case 'setns':
      if (step.nstype.length > 0) yield { ...step, nstype: [] };
      return;
    case 'drop_caps':
      for (let i = 0; i < step.caps.length; i++) yield { ...step, caps: step.caps.filter((_, j) => j !== i) };
      return;
    case 'write': {
      if (step.pos !== undefined) yield { task: step.task, call: 'write', fd: step.fd, text: step.text };
      if (typeof step.text !== 'string') return;
      const records = step.text.split('\n').filter((l) => l !== '');
      if (records.length > 1) for (const r of records) yield { ...step, text: r };
      if (step.text.endsWith('\n') && records.length === 1) yield { ...step, text: records[0] };
      // Smaller offsets: a write that needed host time to pass (ERANGE otherwise) may not need it then.
      const small = records.map((r) => r.replace(/^(\S+) (-?)\d+( \d+)?$/, (_m, c: string, sign: string) => `${c} ${sign}1 0`));
      if (small.join('\n') !== records.join('\n')) yield { ...step, text: small.join('\n') };
      return;
    }
    case 'exec':
      if (step.fail) yield { task: step.task, call: 'exec' };
      return;
    case 'open':
      if (step.mode === 'rw') yield { ...step, mode: 'w' };
      return;
    default:
      return;
  }
}

const CREATES_TASK = new Set(['fork', 'vfork', 'thread', 'clone3', 'clone']);

/**
 * Merge task `child` into `into`: delete the step that created it and let `into` make its steps. A chain
 * of intermediate tasks (fork, then fork again, then act) collapses this way when the act shows the failure in
 * the ancestor too; deleting the creation alone would only orphan the steps that follow.
 */
function mergeTask(steps: ProgramStep[], created: number, into: string): ProgramStep[] {
  const child = (steps[created] as { child: string }).child;
  return withoutSteps(steps, new Set([created])).map((s) => {
    if ('host' in s) return s;
    const out = { ...s } as Record<string, unknown>;
    for (const ref of ['task', 'target']) if (out[ref] === child) out[ref] = into;
    if (s.call === 'wait' && out.child === child) out.child = into;
    return out as unknown as ProgramStep;
  }).map((s) => {
    if (!('host' in s) || s.host !== 'signal' || s.task !== child) return s;
    return { ...s, task: into };
  });
}

export function* shrinkProgram(p: Program): Generator<Program> {
  const n = p.steps.length;
  for (let size = Math.floor(n / 2); size >= 1; size = Math.floor(size / 2)) {
    for (let start = 0; start + size <= n; start += size) {
      yield withSteps(p, withoutSteps(p.steps, new Set(Array.from({ length: size }, (_, k) => start + k))));
    }
  }
  for (let i = 0; i < n; i++) {
    const s = p.steps[i];
    if ('host' in s || !CREATES_TASK.has(s.call)) continue;
    yield withSteps(p, mergeTask(p.steps, i, 't0'));
    if (s.task !== 't0') yield withSteps(p, mergeTask(p.steps, i, s.task));
  }
  for (let i = 0; i < n; i++) {
    for (const simpler of simplerStep(p.steps[i])) {
      yield withSteps(p, p.steps.map((s, j) => (j === i ? simpler : s)));
    }
  }
  const { caps, rtc, maxTimeNamespaces } = p.env;
  if (caps !== undefined || rtc !== undefined || maxTimeNamespaces !== undefined) {
    yield { ...p, env: { seed: p.env.seed } };
  }
}
