// What every refinement property (model against impl) shares: the model's named invariants as a
// per-step campaign check, and the failure message that shows a shrunk divergence side by side.
import { createImpl } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import type { ModelBackend } from '../model/index.ts';
import { runDifferential } from '../harness/run.ts';
import type { DifferentialOptions } from '../harness/run.ts';
import { formatSideBySide } from '../harness/trace.ts';
import type { CampaignResult } from './campaign.ts';

/** A campaign `check` that fails the step after which a model invariant does not hold. */
export const modelInvariants: NonNullable<DifferentialOptions['check']> = (_entry, model) => {
  const broken = (model as ModelBackend).checkInvariants();
  return broken.length > 0 ? `model invariants: ${broken.join('; ')}` : undefined;
};

/** A failed campaign's counterexample, replayed and shown side by side, with its program as JSON. */
export function describeRefinementFailure(r: CampaignResult): string {
  const c = r.counterexample!;
  const replay = runDifferential(c.program, createModel, createImpl);
  return `divergence, shrunk to ${c.program.steps.length} steps:\n${formatSideBySide(replay, ['model', 'impl'])}\n${JSON.stringify(c.program)}`;
}
