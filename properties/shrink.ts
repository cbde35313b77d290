// Shrinking a program. Candidates come largest cut first: whole blocks of steps, then single steps, then
// simpler forms of one step. fast-check takes the first candidate that still fails and asks again, so a
// failure that needs k steps ends at a program where no single step can go and none can be simpler.
import type { Program, Step } from '../vocab/index.ts';

function withSteps(p: Program, steps: Step[]): Program {
  return { ...p, steps };
}

/** Fields that name an existing task (not one the step creates). */
const TASK_REFS = ['task', 'target'] as const;

/** Simpler forms of one step: made by the initial task, fewer flags, fewer records, less time. */
function* simplerStep(step: Step): Generator<Step> {
  if ('host' in step) {
    if ((step.host === 'advance' || step.host === 'suspend') && step.ns !== '1000') yield { ...step, ns: '1000' };
    if (step.host === 'signal' && step.task !== 't0') yield { ...step, task: 't0' };
    return;
  }
  // Hoisting a step onto t0 lets the steps that only made its task go: a failure first found in a
  // grandchild shrinks to the same failure in the initial task when it shows there too.
  for (const ref of TASK_REFS) {
    const h = (step as Record<string, unknown>)[ref];
    if (typeof h === 'string' && h !== 't0') yield { ...step, [ref]: 't0' } as Step;
  }
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
function mergeTask(steps: Step[], created: number, into: string): Step[] {
  const child = (steps[created] as { child: string }).child;
  return steps.filter((_, i) => i !== created).map((s) => {
    if ('host' in s) return s;
    const out = { ...s } as Record<string, unknown>;
    for (const ref of ['task', 'target']) if (out[ref] === child) out[ref] = into;
    if (s.call === 'wait' && out.child === child) out.child = into;
    return out as unknown as Step;
  }).map((s) => {
    if (!('host' in s) || s.host !== 'signal' || s.task !== child) return s;
    return { ...s, task: into };
  });
}

export function* shrinkProgram(p: Program): Generator<Program> {
  const n = p.steps.length;
  for (let size = Math.floor(n / 2); size >= 1; size = Math.floor(size / 2)) {
    for (let start = 0; start + size <= n; start += size) {
      yield withSteps(p, [...p.steps.slice(0, start), ...p.steps.slice(start + size)]);
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
