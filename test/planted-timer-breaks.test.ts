// The timer breaks must be found by a campaign and shrunk to the shortest program that shows them.
import { describe, expect, it } from 'vitest';
import { createImpl } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import { DEFAULT_CAMPAIGN, runCampaign } from '../properties/campaign.ts';
import type { BackendFactory } from '../vocab/index.ts';
import { absoluteIgnoresNamespace, timersFollowNamespace } from './planted-breaks.ts';

const BREAKS: { name: string; broken: BackendFactory; minimal: number; runs: number; why: string }[] = [
  {
    name: 'the absolute-time conversion ignores the namespace',
    broken: absoluteIgnoresNamespace(createImpl), minimal: 5, runs: DEFAULT_CAMPAIGN.runs,
    why: 'unshare, open, write an offset, enter (exec, fork or clone3), arm or sleep until an absolute time',
  },
  {
    name: 'a timer\'s expiry moves when its task changes namespace',
    broken: timersFollowNamespace(createImpl), minimal: 6, runs: 3 * DEFAULT_CAMPAIGN.runs,
    why: 'unshare, open, write an offset, create and arm a timerfd, exec into the new namespace',
  },
];

describe('planted timer breaks', () => {
  for (const b of BREAKS) {
    it(`finds and shrinks: ${b.name} (${b.minimal} steps: ${b.why})`, () => {
      const r = runCampaign({ ...DEFAULT_CAMPAIGN, runs: b.runs, left: createModel, right: b.broken });
      expect(r.ok).toBe(false);
      const c = r.counterexample!;
      expect(c.program.steps.length).toBe(b.minimal);
      expect(c.divergence.index).toBe(b.minimal - 1);
    });
  }
});
