// The refinement property of properties/refinement.test.ts, shortened: the first programs of the same
// campaign, impl against the model (observations and abstract states after every step, and the model's
// invariants), and as many from an unprivileged start (test/unprivileged-refinement.test.ts).
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createImpl } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import { runDifferential } from '../harness/run.ts';
import { runCampaign } from '../properties/campaign.ts';
import { programs } from '../properties/generate.ts';
import { modelInvariants } from '../properties/refine.ts';
import type { Program } from '../vocab/index.ts';

const RUNS = 200;

const invariants = { check: modelInvariants };

it(`impl refines the model on ${RUNS} generated programs`, () => {
  const r = runCampaign({ seed: 20261129, runs: RUNS, maxSteps: 60, left: createModel, right: createImpl, ...invariants });
  expect(r.ok, r.counterexample && JSON.stringify(r.counterexample.program)).toBe(true);
  expect(r.runs).toBe(RUNS);
});

it(`impl refines the model on ${RUNS} generated programs from an unprivileged start`, () => {
  const unprivileged = (p: Program): Program => ({ ...p, env: { ...p.env, start: 'user-namespace' } });
  let runs = 0;
  fc.assert(fc.property(programs({ maxSteps: 40 }).map(unprivileged), (p) => {
    runs++;
    const d = runDifferential(p, createModel, createImpl, invariants).divergence;
    if (d) throw new Error(`divergence at step ${d.index}: ${JSON.stringify(p)}`);
  }), { seed: 2026, numRuns: RUNS });
  expect(runs).toBe(RUNS);
});
