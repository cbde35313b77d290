// Each planted break must be found by a default campaign, shrunk to a program no single step of which can
// go, and the divergence must be the planted one: the call it shows at, and how the sides differ.
import { describe, expect, it } from 'vitest';
import { createImpl } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import { DEFAULT_CAMPAIGN, runCampaign } from '../properties/campaign.ts';
import type { BackendFactory, Program, TaskStep } from '../vocab/index.ts';
import { execStaysInOldNamespace, vdsoIgnoresMonotonicOffset, zeroOffsetsOnUnshare } from './planted-breaks.ts';
import { expectOneMinimal, lastCall, stateDiffValues, writtenOffsets } from './planted-check.ts';
import type { Found } from './planted-check.ts';

interface Planted {
  name: string;
  broken: BackendFactory;
  /** The shortest program that shows it; the setns path to a namespace takes one step more than exec. */
  minimal: number;
  most: number;
  calls: string[];
  differs: (d: Found, last: TaskStep, p: Program) => void;
}

const BREAKS: Planted[] = [
  {
    // unshare, open own timens_offsets, write a non-zero offset, unshare again: the copy differs.
    name: 'a namespace made by unshare starts with zero offsets',
    broken: zeroOffsetsOnUnshare(createImpl), minimal: 4, most: 4, calls: ['unshare'],
    differs: (d, _last, p) => {
      expect(d.kind).toBe('state');
      const v = stateDiffValues(d);
      expect(v.path).toMatch(/^"timeNamespaces" > "\d+"$/);
      expect(v.right).toBe(0n);
      expect(writtenOffsets(p).map((o) => o.ns)).toContain(v.left);
    },
  },
  {
    // create a pending namespace, exec: the task must be in it afterwards.
    name: 'exec does not move the task into time_for_children',
    broken: execStaysInOldNamespace(createImpl), minimal: 2, most: 2, calls: ['exec'],
    differs: (d) => {
      expect(d.kind).toBe('state');
      expect(d.stateDiff).toMatch(/^at "tasks" > "t\d+": "timeNs"/);
    },
  },
  {
    // unshare, open, write a monotonic offset, enter it (exec; or open and setns), read CLOCK_MONOTONIC.
    name: 'the vDSO forgets the monotonic offset',
    broken: vdsoIgnoresMonotonicOffset(createImpl), minimal: 5, most: 6, calls: ['clock_gettime'],
    differs: (d, last, p) => {
      expect(d.kind).toBe('observation');
      expect(last).toMatchObject({ clock: 'CLOCK_MONOTONIC', vdso: true });
      const l = d.left as { time: string };
      const r = d.right as { time: string };
      const offsets = writtenOffsets(p).filter((o) => o.clock === 'monotonic').map((o) => o.ns);
      expect(offsets).toContain(BigInt(l.time) - BigInt(r.time));
    },
  },
];

describe('planted breaks', () => {
  for (const b of BREAKS) {
    it(`finds and shrinks: ${b.name}`, () => {
      const r = runCampaign({ ...DEFAULT_CAMPAIGN, left: createModel, right: b.broken });
      expect(r.ok).toBe(false);
      const c = r.counterexample!;
      const steps = c.program.steps;
      expect(steps.length).toBeGreaterThanOrEqual(b.minimal);
      expect(steps.length).toBeLessThanOrEqual(b.most);
      const last = lastCall(c.program, c.divergence, b.calls);
      b.differs(c.divergence, last, c.program);
      expectOneMinimal(c.program, createModel, b.broken);
    });
  }

  it('the unbroken implementation passes the same campaign', () => {
    const r = runCampaign({ ...DEFAULT_CAMPAIGN, runs: 300, left: createModel, right: createImpl });
    expect(r.counterexample?.divergence).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});
