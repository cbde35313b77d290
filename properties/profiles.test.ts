// Refinement under each older kernel profile: generated programs that assume 6.1 or 6.12 give identical
// observations and states on impl and the model (each follows its own reading of what changed since,
// impl/features.ts and model/profile.ts), and the model's invariants hold for that profile. The
// generation steers by the profile's model, so the changes are exercised: the counts below must be met.
import { describe, expect, it } from 'vitest';
import { createImpl } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import type { KernelBehaviour, Observation, Step } from '../vocab/index.ts';
import { runCampaign } from './campaign.ts';
import { describeRefinementFailure, modelInvariants } from './refine.ts';

const REQUIRED_STEPS = 40_000;

/** A record whose nanoseconds, taken modulo 2^64 as %lu does, are above LONG_MAX. */
function negativeNsec(text: string): boolean {
  return text.split('\n').some((line) => {
    const m = /^\s*\S+\s+-?\d+\s+(\d+)/.exec(line);
    return m !== null && BigInt.asUintN(64, BigInt(m[1])) >= 1n << 63n;
  });
}

/** Steps whose outcome only an older profile gives: the change was exercised, not just carried along. */
function profileOnly(kernel: KernelBehaviour, step: Step, obs: Observation): string | undefined {
  if ('host' in step) return undefined;
  if (kernel === '6.1' && (step.call === 'thread' || step.call === 'vfork') && obs.err === 'EINVAL') return 'CLONE_VM refused while time != time_for_children';
  if (step.call === 'write' && obs.err === 'EINVAL' && negativeNsec(step.text)) return 'nanoseconds above LONG_MAX refused';
  return undefined;
}

describe.each(['6.1', '6.12'] as const)('profile %s', (kernel) => {
  it(`impl refines the model over at least ${REQUIRED_STEPS} generated steps assuming Linux ${kernel}`, () => {
    const seen = new Map<string, number>();
    const r = runCampaign({
      seed: 20261202, runs: 1100, maxSteps: 60, left: createModel, right: createImpl, kernel,
      check: (entry, model, impl) => {
        const why = profileOnly(kernel, entry.step, entry.obs);
        if (why) seen.set(why, (seen.get(why) ?? 0) + 1);
        return modelInvariants(entry, model, impl);
      },
    });
    if (!r.ok) expect.fail(describeRefinementFailure(r));
    expect(r.stats.steps).toBeGreaterThanOrEqual(REQUIRED_STEPS);
    const expected = kernel === '6.1'
      ? ['CLONE_VM refused while time != time_for_children', 'nanoseconds above LONG_MAX refused']
      : ['nanoseconds above LONG_MAX refused'];
    for (const why of expected) expect(seen.get(why) ?? 0, why).toBeGreaterThan(0);
    // pread of a pidfd before pidfs (6.9): ESPIPE, an errno the current profile never gives.
    if (kernel === '6.1') expect(r.stats.outcomes.read?.ESPIPE ?? 0).toBeGreaterThan(0);
  });
});
