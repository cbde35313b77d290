// Refinement: on generated multi-task programs, impl and the model give identical observations at every
// step, impl's state, abstracted, equals the model's after every step, and the model's named invariants
// hold after every step.
import { expect, it } from 'vitest';
import { createImpl } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import { formatStats } from '../harness/stats.ts';
import { runCampaign } from './campaign.ts';
import { describeRefinementFailure, modelInvariants } from './refine.ts';

const REQUIRED_STEPS = 200_000;

it(`impl refines the model over at least ${REQUIRED_STEPS} generated steps`, () => {
  let checked = 0;
  const r = runCampaign({
    seed: 20261129, runs: 5200, maxSteps: 60, left: createModel, right: createImpl,
    check: (entry, model, impl) => {
      checked++;
      return modelInvariants(entry, model, impl);
    },
  });
  if (!r.ok) expect.fail(describeRefinementFailure(r));
  console.log(formatStats(r.stats));
  expect(r.stats.steps).toBeGreaterThanOrEqual(REQUIRED_STEPS);
  // Every agreed step had its invariants checked (shrinking runs add more).
  expect(checked).toBeGreaterThanOrEqual(r.stats.steps);
});
