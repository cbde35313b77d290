// Each planted break must be found by a default campaign and shrunk to the shortest program that shows it.
import { describe, expect, it } from 'vitest';
import { createImpl } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import { DEFAULT_CAMPAIGN, runCampaign } from '../properties/campaign.ts';
import type { BackendFactory } from '../vocab/index.ts';
import { execStaysInOldNamespace, vdsoIgnoresMonotonicOffset, zeroOffsetsOnUnshare } from './planted-breaks.ts';

const BREAKS: { name: string; broken: BackendFactory; minimal: number; last: string; why: string }[] = [
  {
    name: 'a namespace made by unshare starts with zero offsets',
    broken: zeroOffsetsOnUnshare(createImpl),
    minimal: 4, last: 'unshare',
    why: 'unshare, open own timens_offsets, write a non-zero offset, unshare again (the copy differs)',
  },
  {
    name: 'exec does not move the task into time_for_children',
    broken: execStaysInOldNamespace(createImpl),
    minimal: 2, last: 'exec',
    why: 'create a pending namespace, exec',
  },
  {
    name: 'the vDSO forgets the monotonic offset',
    broken: vdsoIgnoresMonotonicOffset(createImpl),
    minimal: 5, last: 'clock_gettime',
    why: 'unshare, open, write a monotonic offset, enter it (fork, exec or clone3), read CLOCK_MONOTONIC via the vDSO',
  },
];

describe('planted breaks', () => {
  for (const b of BREAKS) {
    it(`finds and shrinks: ${b.name} (${b.minimal} steps: ${b.why})`, () => {
      const r = runCampaign({ ...DEFAULT_CAMPAIGN, left: createModel, right: b.broken });
      expect(r.ok).toBe(false);
      const c = r.counterexample!;
      expect(c.program.steps.length).toBe(b.minimal);
      expect(c.divergence.index).toBe(b.minimal - 1);
      const last = c.program.steps[b.minimal - 1];
      expect('call' in last && last.call).toBe(b.last);
    });
  }

  it('the unbroken implementation passes the same campaign', () => {
    const r = runCampaign({ ...DEFAULT_CAMPAIGN, runs: 300, left: createModel, right: createImpl });
    expect(r.counterexample?.divergence).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});
