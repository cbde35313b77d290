// A property campaign: generated programs run on two sides in lock-step; the first divergence is shrunk by
// fast-check and returned as a counterexample. What ran is counted while the campaign generates; the
// shrinking runs that follow a failure are not counted, since they replay variants of one program.
import fc from 'fast-check';
import type { AbstractState, BackendFactory, KernelBehaviour, Observation, Program, ProgramStep, Step } from '../vocab/index.ts';
import { makeCounterexample } from '../harness/counterexample.ts';
import type { Counterexample } from '../harness/counterexample.ts';
import { runDifferential } from '../harness/run.ts';
import type { DifferentialOptions, Divergence } from '../harness/run.ts';
import { countState, countStep, newStats } from '../harness/stats.ts';
import type { Stats } from '../harness/stats.ts';
import { programs } from './generate.ts';

/** What `timens campaign` runs when given no options. */
export { DEFAULT_CAMPAIGN } from './defaults.ts';

export interface CampaignOptions {
  seed: number;
  runs: number;
  maxSteps: number;
  timeLimitMs?: number;
  left: BackendFactory;
  right: BackendFactory;
  sides?: [string, string];
  property?: string;
  /** Compare abstract states after every step (default) or only observations. */
  compareState?: boolean;
  /** A further check after every agreed step (runDifferential's `check`): a string fails the program. */
  check?: DifferentialOptions['check'];
  /** Run only this part of the campaign (see Shard). */
  shard?: Shard;
  /** The kernel behaviour the programs assume (GenOptions.kernel; default "current"). */
  kernel?: KernelBehaviour;
  onProgress?: (runs: number, steps: number) => void;
  /** See each generated program, and each of its steps with the state after it (shrinking runs excluded). */
  onProgram?: (p: Program) => void;
  /** After each step of a campaign program: the step as made (observed values filled in), its
   *  observation, the state, and the step as the program gives it. */
  onStep?: (step: Step, obs: Observation, state: AbstractState, programStep: ProgramStep) => void;
}

/**
 * Part `index` (1..count) of a campaign split `count` ways: program i of the campaign (counting from 0)
 * belongs to part i mod count + 1. Every part generates the campaign's whole stream of programs (program
 * i depends only on the seed and i) and runs its own, so the parts are disjoint, each is reproducible on
 * its own, and together they run exactly the programs of the whole campaign.
 */
export interface Shard {
  index: number;
  count: number;
}

export function inShard(shard: Shard | undefined, program: number): boolean {
  return shard === undefined || program % shard.count === shard.index - 1;
}

export interface CampaignResult {
  ok: boolean;
  /** Programs run (in a shard, only its own). */
  runs: number;
  /** The position in the campaign (from 0) of the program whose failure was shrunk. */
  failedProgram?: number;
  interrupted: boolean;
  stats: Stats;
  counterexample?: Counterexample;
}

export function runCampaign(o: CampaignOptions): CampaignResult {
  const stats = newStats();
  let failing = false;
  let runs = 0;
  let generated = 0;
  let failedProgram: number | undefined;
  const check = (p: Program): Divergence | undefined =>
    runDifferential(p, o.left, o.right, {
      compareState: o.compareState ?? true,
      check: o.check,
      observe: failing ? undefined : (e, state) => {
        countStep(stats, e.step, e.obs);
        if (state) countState(stats, state);
        if (state) o.onStep?.(e.step, e.obs, state, p.steps[e.index]);
      },
    }).divergence;
  const property = fc.property(programs({ maxSteps: o.maxSteps, kernel: o.kernel }), (p) => {
    // Before the first failure every call is a new program of the campaign; after it, a shrink candidate.
    const position = failing ? undefined : generated++;
    if (position !== undefined) {
      if (!inShard(o.shard, position)) return true;
      runs++;
      stats.programs++;
      o.onProgram?.(p);
      if (runs % 100 === 0) o.onProgress?.(runs, stats.steps);
    }
    const d = check(p);
    if (d && !failing) failedProgram = position;
    if (d) failing = true;
    return d === undefined;
  });
  const details = fc.check(property, {
    seed: o.seed,
    numRuns: o.runs,
    interruptAfterTimeLimit: o.timeLimitMs,
    markInterruptAsFailure: false,
  });
  const result: CampaignResult = { ok: !details.failed, runs, interrupted: details.interrupted, stats, failedProgram };
  if (details.failed && details.counterexample) {
    const program = details.counterexample[0];
    const d = check(program);
    if (d) {
      result.counterexample = makeCounterexample(o.property ?? 'refinement', o.sides ?? ['model', 'impl'], program, d, {
        seed: details.seed, path: details.counterexamplePath ?? undefined, runs: o.runs, maxSteps: o.maxSteps,
      });
    } else if (details.errorInstance) {
      throw details.errorInstance;
    }
  }
  return result;
}
