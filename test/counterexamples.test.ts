// Every stored counterexample replays and now agrees: a bug found once stays found.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readCounterexample } from '../harness/counterexample.ts';
import { runDifferential } from '../harness/run.ts';
import { formatSideBySide } from '../harness/trace.ts';
import { sideFactory } from '../cli/sides.ts';

const files = readdirSync('counterexamples').filter((f) => f.endsWith('.json')).sort();

it('counterexamples/ holds stored counterexamples', () => {
  expect(files.length).toBeGreaterThan(0);
});

it.each(files)('%s replays and agrees', (f) => {
  const c = readCounterexample(join('counterexamples', f));
  const r = runDifferential(c.program, sideFactory(c.sides[0]), sideFactory(c.sides[1]));
  if (r.divergence) expect.fail(formatSideBySide(r, c.sides));
  expect(r.trace).toHaveLength(c.program.steps.length);
});
