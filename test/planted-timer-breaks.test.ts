// The timer breaks must be found by a campaign, shrunk to a program no single step of which can go, and
// the divergence must be the planted one: a timer's expiry off by exactly an offset the program wrote.
import { describe, expect, it } from 'vitest';
import { createImpl } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import { DEFAULT_CAMPAIGN, runCampaign } from '../properties/campaign.ts';
import type { BackendFactory } from '../vocab/index.ts';
import { absoluteIgnoresNamespace, timersFollowNamespace } from './planted-breaks.ts';
import { expectOneMinimal, lastCall, madeTarget, stateDiffValues, writtenOffsets } from './planted-check.ts';

const BREAKS: { name: string; broken: BackendFactory; minimal: number; most: number; runs: number; calls: string[] }[] = [
  {
    // unshare (or clone3), open, write an offset, enter (exec, fork or setns), arm at an absolute time:
    // a timer, or a sleep (whose hrtimer the break converts the same way).
    name: 'the absolute-time conversion ignores the namespace',
    broken: absoluteIgnoresNamespace(createImpl), minimal: 5, most: 7, runs: DEFAULT_CAMPAIGN.runs,
    calls: ['timer_settime', 'timerfd_settime', 'clock_nanosleep', 'futex_wait'],
  },
  {
    // unshare, open, write an offset, create and arm a timer, enter the new namespace (exec or setns).
    name: 'a timer\'s expiry moves when its task changes namespace',
    broken: timersFollowNamespace(createImpl), minimal: 6, most: 8, runs: 3 * DEFAULT_CAMPAIGN.runs,
    calls: ['exec', 'setns'],
  },
];

describe('planted timer breaks', () => {
  for (const b of BREAKS) {
    it(`finds and shrinks: ${b.name}`, () => {
      const r = runCampaign({ ...DEFAULT_CAMPAIGN, runs: b.runs, left: createModel, right: b.broken });
      expect(r.ok).toBe(false);
      const c = r.counterexample!;
      expect(c.program.steps.length).toBeGreaterThanOrEqual(b.minimal);
      expect(c.program.steps.length).toBeLessThanOrEqual(b.most);
      lastCall(c.program, c.divergence, b.calls);
      expect(c.divergence.kind).toBe('state');
      const v = stateDiffValues(c.divergence, true);
      expect(v.path).toMatch(/^"timers" > "[kf]\d+"$|^"tasks" > "t\d+" > "waiting"$/);
      expect(v.field).toBe('expires');
      const offsets = writtenOffsets(c.program).map((o) => (o.ns < 0n ? -o.ns : o.ns));
      if (v.left === null) {
        // The model converted the target into the past and fired the timer at once; the break took the
        // namespace's target for host time and armed it there.
        expect(c.divergence.index).toBe(c.program.steps.length - 1);
        expect(v.right).toBe(madeTarget(c.program, c.divergence.index));
        expect(offsets.some((o) => o > 0n)).toBe(true);
      } else {
        const off = v.left - v.right;
        expect(offsets).toContain(off < 0n ? -off : off);
      }
      expectOneMinimal(c.program, createModel, b.broken);
    });
  }
});
