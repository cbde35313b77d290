// A kernel campaign reports, it never crashes: a disagreement that does not come back on replay, one
// that does, and a check that throws are each collected with what is needed to look at them again, and
// the campaign runs every program to its summary. The side judged is a planted model, wrong (or
// throwing) on purpose in the runs chosen below; the kernel is the real one.
import { describe, expect, it } from 'vitest';
import { createModel } from '../../model/index.ts';
import fc from 'fast-check';
import { LINUX_SIDE, REPLAYS, describeFindings, runKernelCampaign } from '../../properties/kernel-campaign.ts';
import type { Backend, BackendFactory, Observation, Program } from '../../vocab/index.ts';
import { gate, kernelGate } from './skip.ts';

/** No kernel call returns this. */
const WRONG: Observation = { ret: -12345 };

/** The model, whose observation of each run's first step is WRONG (or which throws there) when `planted`
 *  says so for that run. Runs are told apart by their environment's `caps` list: compare.ts makes every
 *  backend of one kernel run (as many as its judging needs, at every corner) from copies of that run's
 *  own `env` (the chains' differ in t0's start time), and hands each the program's own step objects, so
 *  every corner of the first step shows the plant. */
function planted(planted: (run: number) => 'wrong' | 'throw' | false): BackendFactory {
  const runs = new WeakMap<object, { run: number; first?: unknown }>();
  let seen = 0;
  return (env, choices) => {
    if (!runs.has(env.caps)) runs.set(env.caps, { run: seen++ });
    const r = runs.get(env.caps)!;
    const inner: Backend = createModel(env, choices);
    return {
      step(step, host) {
        const o = inner.step(step, host);
        r.first ??= step;
        if (step !== r.first) return o;
        const how = planted(r.run);
        if (how === 'throw') throw new Error('planted crash in the model');
        return how === 'wrong' ? WRONG : o;
      },
      abstract: () => inner.abstract(),
    };
  };
}

const SMALL = { seed: 3, runs: 4, maxSteps: 4, timers: false } as const;

describe('a kernel campaign reports every finding and runs to the end', () => {
  gate(kernelGate);
  it('a disagreement that does not reproduce is reported with both observations and 0 of 3 replays', async () => {
    const r = await runKernelCampaign({ ...SMALL, model: planted((run) => (run === 0 ? 'wrong' : false)) });
    expect(r.runs).toBe(SMALL.runs);
    expect(r.reproduced).toHaveLength(0);
    expect(r.crashes).toHaveLength(0);
    expect(r.notReproduced).toHaveLength(1);
    const f = r.notReproduced[0];
    expect(f.replays).toMatchObject({ reproduced: 0, of: REPLAYS });
    expect(f.replays.seen).toEqual(Array(REPLAYS).fill('agreed'));
    expect(f.first.modelBefore).toEqual(WRONG);
    expect(f.first.kernel).not.toEqual(WRONG);
    expect(f.counterexample).toMatchObject({ property: 'kernel-unreproduced', sides: ['model', 'kernel'], replays: { reproduced: 0, of: REPLAYS } });
    expect(f.counterexample.program).toEqual(f.program);
    expect(r.ok).toBe(false);
    const report = describeFindings(r);
    expect(report).toMatch(/0 disagreement\(s\) reproduced, 1 not reproduced, 0 check\(s\) crashed/);
    expect(report).toMatch(/not reproduced: 0 of 3 replays/);
    expect(report).toContain(`kernel:        ${JSON.stringify(f.first.kernel)}`);
    expect(report).toContain(`model(before): ${JSON.stringify(WRONG)}`);
    expect(report).toContain(JSON.stringify(f.program));
  }, 120_000);

  it('a reproduced disagreement is shrunk and stored, and the campaign goes on', async () => {
    const r = await runKernelCampaign({ ...SMALL, model: planted(() => 'wrong') });
    expect(r.runs).toBe(SMALL.runs);
    expect(r.reproduced).toHaveLength(SMALL.runs);
    for (const f of r.reproduced) expect(f.replays).toMatchObject({ reproduced: REPLAYS, of: REPLAYS });
    // Every first observation is wrong: the shortest program that shows it has one step.
    const c = r.reproduced[0].counterexample;
    expect(c.property).toBe('kernel');
    expect(c.program.steps).toHaveLength(1);
    expect(c.divergence).toMatchObject({ index: 0, left: WRONG });
    expect(c.replays).toEqual({ reproduced: REPLAYS, of: REPLAYS });
  }, 120_000);

  it('a check that throws is counted with its cause (message and stack), and the campaign goes on', async () => {
    const r = await runKernelCampaign({ ...SMALL, model: planted((run) => (run === 1 ? 'throw' : false)) });
    expect(r.runs).toBe(SMALL.runs);
    expect(r.crashes).toHaveLength(1);
    expect(r.reproduced.length + r.notReproduced.length).toBe(0);
    expect(r.crashes[0].error).toMatch(/^Error: planted crash in the model\n\s+at /);
    expect(describeFindings(r)).toMatch(/CRASH in a check:[^]*planted crash in the model[^]*campaign\.test\.ts/);
  }, 120_000);
});

describe('a kernel step that hangs', () => {
  gate(kernelGate);
  it('is an observation ({hung: true}): the campaign shrinks it, stores it as a Linux-side departure and goes on', async () => {
    // Forty real 20 ms waits under a 150 ms time limit: some step is still running when it passes.
    const waits: Program = {
      format: 1, kernel: 'current', env: { seed: 'h' }, steps: [
        { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
        ...Array.from({ length: 40 }, () => ({ host: 'advance' as const, ns: '20000000' })),
        { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
      ],
    };
    // Each candidate that hangs is run twice under 300 ms: a few seconds of shrinking take the first
    // halvings, which is all this needs to show (the default budget, 120 s, would take every wait it can).
    const r = await runKernelCampaign({
      seed: 3, runs: 2, maxSteps: 8, timeoutMs: 150, executors: 1, programs: fc.constant(waits), shrinkBudgetMs: 6_000,
    });
    expect(r.crashes, describeFindings(r)).toEqual([]);
    expect(r.runs).toBe(2);
    const found = [...r.reproduced, ...r.notReproduced];
    expect(found.length, describeFindings(r)).toBe(2);
    for (const f of found) {
      expect(f.counterexample.divergence.kind).toBe(LINUX_SIDE);
      expect(f.counterexample.divergence.right).toEqual({ hung: true });
      expect(f.first.reason).toMatch(/did not end within the time limit/);
    }
    // Hangs come back (at whichever step the limit falls), and shrunk.
    expect(r.reproduced.length).toBeGreaterThan(0);
    expect(Math.min(...r.reproduced.map((f) => f.counterexample.program.steps.length))).toBeLessThan(waits.steps.length);
    // Shrunk with room to spare: the waits kept outlast the time limit by themselves, so the stored program
    // hangs on an idle machine too, not only on the loaded one that shrank it.
    for (const f of r.reproduced) {
      const waited = f.counterexample.program.steps.reduce((n, s) => n + ('host' in s && s.host === 'advance' ? Number(s.ns) : 0), 0);
      expect(waited, JSON.stringify(f.counterexample.program)).toBeGreaterThan(150_000_000);
    }
  }, 300_000);
});
