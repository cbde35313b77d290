// Checking one law of the model on its own: generated programs run on the model, and the law sees each
// step with the abstract state before and after it. A law also counts how often its premise held, so a
// law that generation never exercises fails instead of passing vacuously.
import fc from 'fast-check';
import { expect } from 'vitest';
import type { AbstractState, HostClocks, Observation, Program, Step, TaskStep } from '../../vocab/index.ts';
import { createModel } from '../../model/index.ts';
import { resolveEnv, runProgram } from '../../harness/run.ts';
import { programs } from '../generate.ts';

export interface LawStep {
  step: Step;
  obs: Observation;
  before: AbstractState;
  after: AbstractState;
  clocks: HostClocks;
}

/** What a law says of one step: undefined when its premise does not apply, else a violation or "". */
export type Law = (s: LawStep) => string | undefined;

export function checkLaw(law: Law, options: { runs?: number; maxSteps?: number; minApplied: number; seed?: number; fresh?: () => void }): void {
  let applied = 0;
  const property = fc.property(programs({ maxSteps: options.maxSteps ?? 50 }), (p: Program) => {
    options.fresh?.(); // a law that remembers earlier steps starts each program afresh
    let before = createModel(resolveEnv(p)).abstract();
    runProgram(p, createModel, (e, side, clocks) => {
      const after = side.abstract();
      const verdict = law({ step: e.step, obs: e.obs, before, after, clocks });
      if (verdict !== undefined) applied++;
      if (verdict) throw new Error(`step ${e.index} (${JSON.stringify(e.step)}): ${verdict}`);
      before = after;
    });
  });
  fc.assert(property, { seed: options.seed ?? 7, numRuns: options.runs ?? 2000 });
  expect(applied).toBeGreaterThanOrEqual(options.minApplied);
}

export function isCall<C extends TaskStep['call']>(s: Step, call: C): s is Extract<TaskStep, { call: C }> {
  return 'call' in s && s.call === call;
}
