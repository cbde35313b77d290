// Breaks that the generation of 181e4f2 never found in a default campaign (1,000 programs: all passed):
// each needs an input generation did not make then. The default campaign must now find each, shrink it,
// and the divergence must be the planted one: its step, its call, and the field that differs.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../harness/canonical.ts';
import { createImpl } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import { DEFAULT_CAMPAIGN, runCampaign } from '../properties/campaign.ts';
import { FeatureCounter } from '../properties/coverage.ts';
import { Stepper } from '../harness/run.ts';
import type { BackendFactory, Program, TaskStep } from '../vocab/index.ts';
import { clampForgotten, coarseNotShifted, posixTimerFollowsSetns } from './planted-generation-breaks.ts';

/** The top-level fields of two observations that differ. */
function differing(left: unknown, right: unknown): string[] {
  const l = left as Record<string, unknown>;
  const r = right as Record<string, unknown>;
  return [...new Set([...Object.keys(l), ...Object.keys(r)])].filter((k) => canonicalJson(l[k]) !== canonicalJson(r[k])).sort();
}

/** The generation features the program shows when the model runs it. */
function featuresOf(p: Program): Record<string, number> {
  const c = new FeatureCounter();
  c.program(p);
  const m = new Stepper(p.env, createModel, p.kernel, p.steps);
  for (const s of p.steps) {
    const { obs, made } = m.step(s);
    c.step(made, obs, m.side.abstract());
  }
  return c.counts;
}

interface Planted {
  name: string;
  broken: BackendFactory;
  minimal: number;
  /** The call at which the sides part, and how they differ there. */
  call: string[];
  differs: (d: { kind: string; left: unknown; right: unknown; stateDiff?: string }, last: TaskStep) => void;
  /** The generation feature the program must show. */
  feature: RegExp;
}

const BREAKS: Planted[] = [
  {
    name: 'clamp forgotten: an absolute target before the offset is armed at the present, not at host 0',
    broken: clampForgotten(createImpl), minimal: 7,
    call: ['timer_gettime', 'timerfd_gettime', 'timer_settime', 'timerfd_settime', 'read', 'timer_getoverrun', 'sigwait'],
    // The period is counted from host 0 on one side and from now on the other: the time to the next tick,
    // or the overruns counted up to now (a timer signal's si_overrun).
    differs: (d) => {
      if (d.kind === 'state') expect(d.stateDiff).toMatch(/"timers" > "[kf]\d+": "(expires|ticks)"/);
      else expect(differing(d.left, d.right)).toEqual([expect.stringMatching(/^(itimer|value|ret|overrun)$/)]);
    },
    feature: /settime: absolute target before the namespace's offset, with interval/,
  },
  {
    name: 'an absolute POSIX timer follows its task on setns',
    broken: posixTimerFollowsSetns(createImpl), minimal: 7, call: ['setns'],
    differs: (d) => {
      expect(d.kind).toBe('state');
      expect(d.stateDiff).toMatch(/^at "timers" > "k\d+": "expires"/);
    },
    feature: /absolute POSIX timer armed, then its task enters other offsets by setns/,
  },
  {
    name: 'CLOCK_MONOTONIC_COARSE is not shifted in the vDSO',
    broken: coarseNotShifted(createImpl), minimal: 5, call: ['clock_gettime'],
    differs: (d, last) => {
      expect(d.kind).toBe('observation');
      expect(differing(d.left, d.right)).toEqual(['time']);
      expect(last).toMatchObject({ clock: 'CLOCK_MONOTONIC_COARSE', vdso: true });
    },
    feature: /clock_gettime vdso CLOCK_MONOTONIC_COARSE in a shifted namespace/,
  },
];

describe('planted breaks generation once missed', () => {
  for (const b of BREAKS) {
    it(`finds and shrinks: ${b.name}`, () => {
      const r = runCampaign({ ...DEFAULT_CAMPAIGN, left: createModel, right: b.broken });
      expect(r.ok).toBe(false);
      const c = r.counterexample!;
      const steps = c.program.steps;
      expect(steps.length).toBe(b.minimal);
      expect(c.divergence.index).toBe(steps.length - 1);
      const last = steps[c.divergence.index] as TaskStep;
      expect(b.call).toContain(last.call);
      b.differs(c.divergence, last);
      // The shrunk program still holds the input that was never generated before.
      const shown = Object.keys(featuresOf({ ...c.program, steps: steps.slice(0, -1) })).concat(Object.keys(featuresOf(c.program)));
      expect(shown.some((f) => b.feature.test(f)), `${b.feature} in ${shown.join('; ')}`).toBe(true);
    });
  }
});
