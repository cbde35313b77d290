// Checking one law of the model on its own: generated programs run on the model, and the law sees each
// step with the abstract state before and after it. A law also counts how often its premise held, so a
// law that generation never exercises fails instead of passing vacuously. The model's named invariants
// are checked after every step as well.
import fc from 'fast-check';
import { expect } from 'vitest';
import type { AbstractState, HostClocks, Observation, Program, Step, TaskStep } from '../../vocab/index.ts';
import { createModelBackend } from '../../model/index.ts';
import type { ModelBackend } from '../../model/index.ts';
import { resolveEnv, runProgram } from '../../harness/run.ts';
import { programs } from '../generate.ts';
import { lawPrograms } from './corpus.ts';

export interface LawStep {
  step: Step;
  obs: Observation;
  before: AbstractState;
  after: AbstractState;
  clocks: HostClocks;
}

/** What a law says of one step: undefined when its premise does not apply, else a violation or "". */
export type Law = (s: LawStep) => string | undefined;

export interface LawOptions {
  /** Names the law in the printed count. */
  name?: string;
  runs?: number;
  maxSteps?: number;
  /** How many steps must meet the premise (where the law could fail) for the run to mean something. */
  minApplied: number;
  seed?: number;
  fresh?: () => void;
}

/**
 * The share of its programs each law runs: 1 in `npm test`. Mutation runs (mutation/vitest.config.ts) set
 * TIMENS_LAW_FRACTION lower so that every mutant can afford every law.
 */
const LAW_FRACTION = Number(process.env.TIMENS_LAW_FRACTION ?? '1');
if (!(LAW_FRACTION > 0 && LAW_FRACTION <= 1)) throw new Error(`TIMENS_LAW_FRACTION must be in (0, 1], not ${process.env.TIMENS_LAW_FRACTION}`);

/**
 * A law's minimum count for the share of programs it runs: the full minimum in `npm test`; on a fraction,
 * half the proportional share, since a small sample of programs varies more.
 */
export function lawMinimum(n: number): number {
  return LAW_FRACTION === 1 ? n : Math.floor((n * LAW_FRACTION) / 2);
}

/** Check a law on generated programs; returns how many steps met its premise. */
export function checkLaw(law: Law, options: LawOptions): number {
  const runs = Math.max(1, Math.round((options.runs ?? 2000) * LAW_FRACTION));
  const minApplied = lawMinimum(options.minApplied);
  const seed = options.seed ?? 7;
  const maxSteps = options.maxSteps ?? 50;
  let applied = 0;
  let steps = 0;
  const check = (p: Program) => {
    options.fresh?.(); // a law that remembers earlier steps starts each program afresh
    let before = createModelBackend(resolveEnv(p)).abstract();
    runProgram(p, createModelBackend, (e, side, clocks) => {
      steps++;
      const broken = (side as ModelBackend).checkInvariants();
      if (broken.length > 0) throw new Error(`step ${e.index} (${JSON.stringify(e.step)}): model invariants: ${broken.join('; ')}`);
      const after = side.abstract();
      const verdict = law({ step: e.step, obs: e.obs, before, after, clocks });
      if (verdict !== undefined) applied++;
      if (verdict) throw new Error(`step ${e.index} (${JSON.stringify(e.step)}): ${verdict}`);
      before = after;
    });
  };
  // The programs fc.assert would generate, shared with the other laws of the run (corpus.ts). Only when
  // one breaks the law does fc.assert run, on the same programs, to find it again and shrink it.
  const holds = lawPrograms(seed, runs, maxSteps).every((p) => {
    try {
      check(p);
      return true;
    } catch {
      return false;
    }
  });
  if (!holds) {
    applied = steps = 0;
    fc.assert(fc.property(programs({ maxSteps }), (p: Program) => check(p)), { seed, numRuns: runs });
    throw new Error('a generated program broke the law, and fc.assert, given the same programs, did not find it again');
  }
  console.log(`law ${options.name ?? expect.getState().currentTestName}: premise met at ${applied} of ${steps} steps (minimum ${minApplied})`);
  expect(applied).toBeGreaterThanOrEqual(minApplied);
  return applied;
}

export function isCall<C extends TaskStep['call']>(s: Step, call: C): s is Extract<TaskStep, { call: C }> {
  return 'call' in s && s.call === call;
}
