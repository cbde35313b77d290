// Model and impl run one program side by side: every observation and every abstract state must agree.
// The observations (the model's, which then equal impl's) come back for the test's own expectations.
import { expect } from 'vitest';
import { createImpl } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import { runDifferential } from '../harness/run.ts';
import type { KernelBehaviour, Observation, ProgramStep } from '../vocab/index.ts';

const bigints = (_: string, v: unknown) => (typeof v === 'bigint' ? String(v) : v);

export function agreeing(steps: ProgramStep[], seed: string, kernel: KernelBehaviour = 'current'): Observation[] {
  const r = runDifferential({ format: 1, kernel, env: { seed }, steps }, createModel, createImpl);
  const d = r.divergence;
  expect(d, d && `${JSON.stringify(d.step)}: model ${JSON.stringify(d.left, bigints)}, impl ${JSON.stringify(d.right, bigints)} ${d.stateDiff ?? ''}`).toBeUndefined();
  return r.trace.map((e) => e.left);
}
