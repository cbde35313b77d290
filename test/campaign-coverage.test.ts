// The default campaign reaches every call of the scope (and succeeds at each), every errno the model can
// return, and the deep states generation is meant to reach, counted from what actually ran.
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createImpl } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import { DEFAULT_CAMPAIGN, runCampaign } from '../properties/campaign.ts';
import type { CampaignResult } from '../properties/campaign.ts';
import { ERRNOS, HOST_EVENTS, TASK_CALLS } from '../vocab/index.ts';
import { FeatureCounter, OPTIONAL_LISTS_COMPLETE, generationCoverage, requiredFeatures } from '../properties/coverage.ts';
import { DEFAULT_KERNEL_CAMPAIGN } from '../properties/kernel-campaign.ts';

/** Every errno name the model's source can return: `err: 'EX'`, `return 'EX'`, `? 'EX'`. */
function modelErrnos(): string[] {
  const found = new Set<string>();
  for (const f of readdirSync('model').filter((n) => n.endsWith('.ts'))) {
    for (const m of readFileSync(`model/${f}`, 'utf8').matchAll(/(?:err: |return |\? |: )'(E[A-Z]+)'/g)) found.add(m[1]);
  }
  return [...found].filter((e) => e in ERRNOS && !OLDER_PROFILES_ONLY.includes(e)).sort();
}

/** Errnos only an older kernel profile gives (model/profile.ts): the default campaign assumes the current
 *  kernel, and properties/profiles.test.ts requires these of the profile campaigns. */
const OLDER_PROFILES_ONLY = ['ESPIPE'];

/** Calls only kernel campaigns generate so far (properties/steps-namespaces.ts KERNEL_ONLY_MAKERS). */
const KERNEL_ONLY_CALLS: string[] = ['prctl', 'gettimeofday', 'time', 'read_starttime', 'times'];

const DEEP_STATES = [
  'task with pending time_for_children', 'task in a non-initial time namespace', 'unfrozen time namespace',
  'frozen non-initial time namespace', 'time namespace with non-zero offsets', 'time namespace with a negative offset',
  'time namespace held only by an fd', 'fd outliving its target task', 'three or more time namespaces',
  'user namespace', 'nested user namespace (depth 2+)', 'multi-threaded process', 'mm shared by two processes',
  'vfork parent blocked', 'exited task not yet reaped', 'task without capabilities', 'task with non-root euid',
];

describe('the default campaign', () => {
  let r: CampaignResult;
  const features = new FeatureCounter();
  beforeAll(() => {
    r = runCampaign({
      ...DEFAULT_CAMPAIGN, left: createModel, right: createImpl,
      onProgram: (p) => features.program(p),
      onStep: (step, obs, state, programStep) => {
        features.observed(programStep, obs);
        features.step(step, obs, state);
      },
    });
    console.log(`generation features over ${r.runs} programs:\n${requiredFeatures(false).map((f) => `${String(features.counts[f] ?? 0).padStart(6)}  ${f}`).join('\n')}`);
  });

  it('passes', () => expect(r.ok).toBe(true));

  // A blocking call succeeds by blocking (pending) or by finishing (its completion, counted apart).
  const worked = (call: string) => Object.entries(r.stats.outcomes[call] ?? {})
    .filter(([k]) => k === 'ok' || k === 'pending' || k.endsWith('(completed)')).reduce((n, [, c]) => n + c, 0);

  it.each(TASK_CALLS.filter((c) => !KERNEL_ONLY_CALLS.includes(c)))('gets %s past its argument checks at least once', (call) => {
    expect(worked(call)).toBeGreaterThan(0);
  });

  it.each([...HOST_EVENTS])('sends the host event %s', (event) => {
    expect(r.stats.outcomes[`host:${event}`]?.ok ?? 0).toBeGreaterThan(0);
  });

  it('reaches every errno the model can return', () => {
    const reached = new Set(Object.values(r.stats.outcomes).flatMap((t) => Object.keys(t)).map((k) => k.replace(' (completed)', '')));
    const errnos = modelErrnos();
    expect(errnos.length).toBeGreaterThanOrEqual(10);
    expect(errnos.filter((e) => !reached.has(e))).toEqual([]);
  });

  it('fails a good share of steps with an errno, and most steps do work', () => {
    const all = Object.values(r.stats.outcomes).flatMap((t) => Object.entries(t));
    const errs = all.filter(([k]) => k.startsWith('E') && k !== 'ESRCH').reduce((n, [, c]) => n + c, 0);
    const ok = all.filter(([k]) => k === 'ok' || k === 'pending').reduce((n, [, c]) => n + c, 0);
    expect(errs / r.stats.steps).toBeGreaterThan(0.15);
    expect(ok / r.stats.steps).toBeGreaterThan(0.4);
  });

  it.each(DEEP_STATES)('reaches the state: %s', (feature) => {
    expect(r.stats.states[feature] ?? 0).toBeGreaterThan(0);
  });

  // Inputs where bugs hid from every other test: each is generated (and ran) at least once. The list of
  // optional fields comes from vocab/program.ts's types (OPTIONAL_LISTS_COMPLETE fails to compile otherwise).
  it.each(requiredFeatures(false))('generation reaches: %s', (feature) => {
    expect(OPTIONAL_LISTS_COMPLETE).toBe(true);
    expect(features.counts[feature] ?? 0).toBeGreaterThan(0);
  });
});

describe('kernel-safe generation', () => {
  // Counted on the model over longer programs than the kernel property runs (sequences need room); the
  // same generation the kernel campaigns use, with the simulated host's clocks standing in for the machine's.
  const runs = 1000;
  const maxSteps = 30;
  let counts: Record<string, number>;
  beforeAll(() => {
    const c = generationCoverage({ seed: DEFAULT_KERNEL_CAMPAIGN.seed, runs, maxSteps, kernelSafe: true, kernelTimers: true });
    counts = c.counts;
    console.log(`kernel-safe generation features over ${c.programs} programs of up to ${maxSteps} steps:\n${requiredFeatures(true).map((f) => `${String(counts[f] ?? 0).padStart(6)}  ${f}`).join('\n')}`);
  });

  it.each(requiredFeatures(true))('reaches: %s', (feature) => {
    expect(counts[feature] ?? 0).toBeGreaterThan(0);
  });

  it('never suspends the machine or sets its clock, nor writes nsec texts the kernel normalises for seconds', () => {
    expect(counts['host:advance']).toBeGreaterThan(0);
    expect(Object.keys(counts).filter((f) => f === 'host:suspend' || f === 'host:settime' || f.includes('2^63 (wraps to -2^63, accepted)'))).toEqual([]);
  });
});

