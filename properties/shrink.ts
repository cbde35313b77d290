// Shrinking a program. Candidates come largest cut first: whole blocks of steps, then single steps, then
// simpler forms of one step. fast-check takes the first candidate that still fails and asks again, so a
// failure that needs k steps ends at a program where no single step can go and none can be simpler.
import type { Program, Step } from '../vocab/index.ts';

function withSteps(p: Program, steps: Step[]): Program {
  return { ...p, steps };
}

/** Simpler forms of one step: fewer flags, fewer records, less time. */
function* simplerStep(step: Step): Generator<Step> {
  if ('host' in step) {
    if (step.ns !== '1000') yield { ...step, ns: '1000' };
    return;
  }
  switch (step.call) {
    case 'clone3':
    case 'unshare':
      for (let i = 0; i < step.flags.length; i++) yield { ...step, flags: step.flags.filter((_, j) => j !== i) };
      return;
    case 'setns':
      if (step.nstype.length > 0) yield { ...step, nstype: [] };
      return;
    case 'drop_caps':
      for (let i = 0; i < step.caps.length; i++) yield { ...step, caps: step.caps.filter((_, j) => j !== i) };
      return;
    case 'write': {
      const records = step.text.split('\n').filter((l) => l !== '');
      if (records.length > 1) for (const r of records) yield { ...step, text: r };
      if (step.text.endsWith('\n') && records.length === 1) yield { ...step, text: records[0] };
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

export function* shrinkProgram(p: Program): Generator<Program> {
  const n = p.steps.length;
  for (let size = Math.floor(n / 2); size >= 1; size = Math.floor(size / 2)) {
    for (let start = 0; start + size <= n; start += size) {
      yield withSteps(p, [...p.steps.slice(0, start), ...p.steps.slice(start + size)]);
    }
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
