// impl refines the model from an unprivileged start too (env.start "user-namespace": t0 is nobody in a
// user namespace it made, as the kernel executor runs when it is not root): generated programs run on
// both, observations and abstract states compared after every step, the model's invariants checked.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createImpl } from '../impl/index.ts';
import { createModel, createModelBackend } from '../model/index.ts';
import { resolveEnv, runDifferential, runProgram } from '../harness/run.ts';
import { formatSideBySide } from '../harness/trace.ts';
import { programs } from '../properties/generate.ts';
import type { Backend, Program } from '../vocab/index.ts';
import { UNPRIVILEGED_ENV } from './unprivileged-start.ts';

const PROGRAMS = 1500;
const unprivileged = (p: Program): Program => ({ ...p, env: { ...p.env, start: 'user-namespace' } });

describe('an unprivileged start, model against impl', () => {
  it('is the environment the kernel executor reports when it is not root', () => {
    const { startBoottime, ...env } = resolveEnv(unprivileged({ format: 1, kernel: 'current', env: { seed: 'x' }, steps: [] }));
    expect(env).toEqual(UNPRIVILEGED_ENV);
    expect(typeof startBoottime).toBe('bigint'); // t0's start, where the seed's host stood (the kernel's: where it forked t0)
  });

  it(`agree on ${PROGRAMS} generated programs, step by step`, () => {
    let steps = 0;
    let created = 0;
    fc.assert(fc.property(programs({ maxSteps: 25 }).map(unprivileged), (p) => {
      steps += p.steps.length;
      const r = runDifferential(p, createModel, createImpl);
      if (r.divergence) throw new Error(formatSideBySide(r, ['model', 'impl']));
      runProgram(p, (env) => createModelBackend(env) as Backend, (e, side) => {
        const broken = (side as ReturnType<typeof createModelBackend>).checkInvariants();
        if (broken.length > 0) throw new Error(`step ${e.index}: model invariants: ${broken.join('; ')}`);
      });
      created += r.trace.filter((t) => 'call' in t.step && t.step.call === 'unshare' && t.left.ret === 0).length;
    }), { seed: 2026, numRuns: PROGRAMS });
    expect(steps).toBeGreaterThan(PROGRAMS * 5);
    expect(created).toBeGreaterThan(0);
  });
});
