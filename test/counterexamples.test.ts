// Every stored counterexample replays and now agrees: a bug found once stays found. Counterexamples
// against Linux replay on this machine's kernel, or are reported skipped with the reason; those found on
// a kernel booted under QEMU replay on that version in test/booted/counterexamples.ts.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readCounterexample } from '../harness/counterexample.ts';
import { runDifferential } from '../harness/run.ts';
import { formatSideBySide } from '../harness/trace.ts';
import { sideFactory } from '../cli/sides.ts';
import { compareOnKernel, describeDisagreement } from '../kernel/compare.ts';
import { gate, kernelGateFor } from './kernel/skip.ts';
import { createModel } from '../model/index.ts';

const files = readdirSync('counterexamples').filter((f) => f.endsWith('.json')).sort();
const stored = files.map((f) => ({ f, c: readCounterexample(join('counterexamples', f)) }));

it('counterexamples/ holds stored counterexamples, against impl and against Linux', () => {
  expect(stored.some(({ c }) => c.sides[1] === 'impl')).toBe(true);
  expect(stored.some(({ c }) => c.sides[1] === 'kernel')).toBe(true);
});

for (const { f, c } of stored.filter(({ c }) => !c.booted)) {
  if (c.sides[1] === 'kernel') {
    it(`${f} replays on the kernel and the model allows every observation`, async (ctx) => {
      const mode = { unprivileged: c.program.env.start === 'user-namespace' };
      gate(kernelGateFor(mode), ctx);
      const r = await compareOnKernel(c.program, createModel, { timeoutMs: 10_000, ...mode });
      if (r.disagreement) expect.fail(describeDisagreement(r.disagreement));
      // The step the disagreement was found at ran on the kernel again, not refused by the guard.
      expect(r.refused).not.toContain(c.divergence.index);
      expect(r.trace.map((t) => t.index)).toContain(c.divergence.index);
    });
  } else {
    it(`${f} replays and agrees`, () => {
      const r = runDifferential(c.program, sideFactory(c.sides[0]), sideFactory(c.sides[1]));
      if (r.divergence) expect.fail(formatSideBySide(r, c.sides));
      expect(r.trace).toHaveLength(c.program.steps.length);
    });
  }
}
