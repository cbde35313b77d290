// Checking the laws of the model: generated programs run on the model, and a law sees each step with the
// abstract state before and after it. A law also counts how often its premise held, so a law that
// generation never exercises fails instead of passing vacuously. The model's named invariants are checked
// after every step as well.
// The laws (one per file here) are checked together by properties/laws.test.ts: each file registers its
// law with law(), whose body awaits holds(); the test runs every program once on the model, with its
// invariants and abstract states, and hands each step to every law whose share of the programs it is in
// (runLawPass, checkLawsTogether). checkLaw checks one law on its own.
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

/** What checking a law needs to know, resolved from its options. */
function resolved(options: LawOptions) {
  return {
    runs: Math.max(1, Math.round((options.runs ?? 2000) * LAW_FRACTION)),
    minApplied: lawMinimum(options.minApplied),
    seed: options.seed ?? 7,
    maxSteps: options.maxSteps ?? 50,
  };
}

/** Each step of p on the model, with the abstract states around it, after the model's invariants held. */
function modelSteps(p: Program, each: (s: LawStep, index: number) => void): void {
  let before = createModelBackend(resolveEnv(p)).abstract();
  runProgram(p, createModelBackend, (e, side, clocks) => {
    const broken = (side as ModelBackend).checkInvariants();
    if (broken.length > 0) throw new Error(`step ${e.index} (${JSON.stringify(e.step)}): model invariants: ${broken.join('; ')}`);
    const after = side.abstract();
    each({ step: e.step, obs: e.obs, before, after, clocks }, e.index);
    before = after;
  });
}

/** Runs a law over one program, counting the steps where its premise held; throws where it is broken. */
function lawOn(law: Law, options: LawOptions, p: Program, count: { applied: number; steps: number }): void {
  options.fresh?.(); // a law that remembers earlier steps starts each program afresh
  modelSteps(p, (s, index) => {
    count.steps++;
    const verdict = law(s);
    if (verdict !== undefined) count.applied++;
    if (verdict) throw new Error(`step ${index} (${JSON.stringify(s.step)}): ${verdict}`);
  });
}

/** fc.assert over the same programs, to find a broken law again and shrink its program; throws. */
function shrinkBroken(law: Law, options: LawOptions): never {
  const { runs, seed, maxSteps } = resolved(options);
  const count = { applied: 0, steps: 0 };
  fc.assert(fc.property(programs({ maxSteps }), (p: Program) => lawOn(law, options, p, count)), { seed, numRuns: runs });
  throw new Error('a generated program broke the law, and fc.assert, given the same programs, did not find it again');
}

/** The count a law's premise reached, printed and held to its minimum. */
function report(name: string, options: LawOptions, count: { applied: number; steps: number }): number {
  const { minApplied } = resolved(options);
  console.log(`law ${name}: premise met at ${count.applied} of ${count.steps} steps (minimum ${minApplied})`);
  expect(count.applied).toBeGreaterThanOrEqual(minApplied);
  return count.applied;
}

/** Check one law on generated programs, on its own; returns how many steps met its premise. */
export function checkLaw(law: Law, options: LawOptions): number {
  const [outcome] = checkLawsTogether([{ name: options.name ?? expect.getState().currentTestName ?? 'law', law, options }]);
  if (outcome instanceof Error) throw outcome;
  return outcome;
}

// ---- Every law in one pass ---------------------------------------------------------------------------

/** In a law's body: the law holds on its share of the programs and met its minimum; resolves to how
 *  often its premise held, once runLawPass has run. */
export type Holds = (law: Law, options: LawOptions) => Promise<number>;

/** A law's file as registered: its title and its body, which awaits holds() once. */
interface Registered {
  title: string;
  body: () => Promise<void>;
}

/** A law waiting for the pass: what holds() was given, and how to answer it. */
interface Waiting {
  name: string;
  law: Law;
  options: LawOptions;
  done: (applied: number) => void;
  failed: (e: unknown) => void;
}

const registered: Registered[] = [];
let waiting: Waiting[] = [];

/** Registers a law of the model under its title, for properties/laws.test.ts. */
export function law(title: string, body: (holds: Holds) => Promise<void>): void {
  const holds: Holds = (law, options) => new Promise((done, failed) => waiting.push({ name: title, law, options, done, failed }));
  registered.push({ title, body: () => body(holds) });
}

/** The laws registered so far, in the order their files were imported. */
export function registeredLaws(): readonly Registered[] {
  return registered;
}

/** Answers every law waiting on holds() with one pass over the programs (checkLawsTogether). */
export function runLawPass(): void {
  const laws = waiting;
  waiting = [];
  checkLawsTogether(laws).forEach((r, i) => (r instanceof Error ? laws[i].failed(r) : laws[i].done(r)));
}

/**
 * Checks laws together: each program runs once on the model, its invariants checked and its abstract
 * states built once, and each step is handed to every law in whose share (its runs of the same seed and
 * size) the program is. A law that breaks stops seeing steps and is found again by fc.assert alone, as
 * checkLaw does. A broken invariant fails every law that had the program. Each law's outcome, in order:
 * how often its premise held, or the error that fails it.
 */
export function checkLawsTogether(laws: readonly { name: string; law: Law; options: LawOptions }[]): (number | Error)[] {
  const outcomes: (number | Error)[] = [];
  const groups = new Map<string, number[]>();
  laws.forEach((w, i) => {
    const { seed, maxSteps } = resolved(w.options);
    const key = `${seed} ${maxSteps}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  for (const group of groups.values()) {
    const { seed, maxSteps } = resolved(laws[group[0]].options);
    const state = group.map((i) => ({ i, w: laws[i], runs: resolved(laws[i].options).runs, count: { applied: 0, steps: 0 }, broken: false }));
    const runs = Math.max(...state.map((l) => l.runs));
    lawPrograms(seed, runs, maxSteps).forEach((p, n) => {
      const live = state.filter((l) => !l.broken && n < l.runs);
      if (live.length === 0) return;
      for (const l of live) l.w.options.fresh?.();
      try {
        modelSteps(p, (s) => {
          for (const l of live) {
            if (l.broken) continue;
            l.count.steps++;
            const verdict = l.w.law(s);
            if (verdict !== undefined) l.count.applied++;
            if (verdict) l.broken = true;
          }
        });
      } catch {
        for (const l of live) l.broken = true; // the model's invariants: every law that had the program
      }
    });
    for (const l of state) {
      try {
        if (l.broken) shrinkBroken(l.w.law, l.w.options);
        outcomes[l.i] = report(l.w.name, l.w.options, l.count);
      } catch (e) {
        outcomes[l.i] = e instanceof Error ? e : new Error(String(e));
      }
    }
  }
  return outcomes;
}

export function isCall<C extends TaskStep['call']>(s: Step, call: C): s is Extract<TaskStep, { call: C }> {
  return 'call' in s && s.call === call;
}
