// impl refines the model from an unprivileged start too: generated programs run on both from the
// environment of test/unprivileged-start.ts, observations and abstract states compared after every
// step, the model's invariants checked. (Program files cannot ask for this start; the kernel executor
// reports it when it is not root, so this is where the two sides meet it.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, firstDifference } from '../harness/canonical.ts';
import { hostAdvance, hostClocks, hostFromSeed, hostSetRealtime, hostSuspend, hostTick } from '../harness/host.ts';
import { createImpl } from '../impl/index.ts';
import { createModelBackend } from '../model/index.ts';
import { programs } from '../properties/generate.ts';
import { CLOCKS, isHostEvent, NSEC_PER_SEC, type Program } from '../vocab/index.ts';
import { UNPRIVILEGED_ENV } from './unprivileged-start.ts';

const PROGRAMS = 1500;

function runBoth(p: Program): string | null {
  const host = hostFromSeed(p.env.seed);
  const model = createModelBackend(UNPRIVILEGED_ENV);
  const impl = createImpl(UNPRIVILEGED_ENV);
  for (const [i, step] of p.steps.entries()) {
    hostTick(host);
    if (isHostEvent(step)) {
      if (step.host === 'advance') hostAdvance(host, BigInt(step.ns));
      else if (step.host === 'suspend') hostSuspend(host, BigInt(step.ns));
      else if (step.host === 'settime') hostSetRealtime(host, BigInt(step.realtime));
    }
    const clocks = hostClocks(host);
    const m = model.step(step, clocks);
    const o = impl.step(step, clocks);
    if (canonicalJson(m) !== canonicalJson(o)) return `step ${i} ${JSON.stringify(step)}: model ${canonicalJson(m)}, impl ${canonicalJson(o)}`;
    const inv = model.checkInvariants();
    if (inv.length > 0) return `step ${i}: model invariants: ${inv.join('; ')}`;
    const diff = firstDifference(model.abstract(), impl.abstract());
    if (diff !== undefined) return `step ${i} ${JSON.stringify(step)}: abstract states differ at ${diff}`;
    if (!isHostEvent(step) && step.call === 'clock_settime' && m.ret === 0
        && (step.clock === 'CLOCK_REALTIME' || step.clock === CLOCKS.CLOCK_REALTIME)) {
      hostSetRealtime(host, BigInt(step.sec) * NSEC_PER_SEC + BigInt(step.nsec));
    }
  }
  return null;
}

describe('an unprivileged start, model against impl', () => {
  it(`agree on ${PROGRAMS} generated programs, step by step`, () => {
    let steps = 0;
    let created = 0;
    fc.assert(fc.property(programs({ maxSteps: 25 }), (p) => {
      steps += p.steps.length;
      const failure = runBoth(p);
      if (failure) throw new Error(failure);
      created += p.steps.filter((s) => !isHostEvent(s) && s.call === 'unshare').length;
    }), { seed: 2026, numRuns: PROGRAMS });
    expect(steps).toBeGreaterThan(PROGRAMS * 5);
    expect(created).toBeGreaterThan(0);
  });
});
