// The refinement property of properties/refinement.test.ts on the first programs of the same campaign:
// impl against the model, observations and abstract states after every step, and the model's invariants.
import { expect, it } from 'vitest';
import { createImpl } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import type { ModelBackend } from '../model/index.ts';
import { runCampaign } from '../properties/campaign.ts';

const RUNS = 300;

it(`impl refines the model on ${RUNS} generated programs`, () => {
  const r = runCampaign({
    seed: 20261129, runs: RUNS, maxSteps: 60, left: createModel, right: createImpl,
    check: (_entry, model) => {
      const broken = (model as ModelBackend).checkInvariants();
      return broken.length > 0 ? `model invariants: ${broken.join('; ')}` : undefined;
    },
  });
  expect(r.ok, r.counterexample && JSON.stringify(r.counterexample.program)).toBe(true);
  expect(r.runs).toBe(RUNS);
});
