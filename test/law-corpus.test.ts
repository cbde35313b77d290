// The programs the laws of a run share (properties/laws/corpus.ts): a law checks exactly the programs
// fc.assert would have given it, whether it generated them or read them from another law's corpus, and a
// law broken on a shared program is still found again and shrunk by fc.assert.
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { expect, inject, it } from 'vitest';
import { programs } from '../properties/generate.ts';
import { checkLaw } from '../properties/laws/law.ts';
import { generateLawPrograms, lawPrograms } from '../properties/laws/corpus.ts';
import type { Program } from '../vocab/index.ts';

function asserted(seed: number, runs: number, maxSteps: number): Program[] {
  const seen: Program[] = [];
  fc.assert(fc.property(programs({ maxSteps }), (p) => { seen.push(p); }), { seed, numRuns: runs });
  return seen;
}

it('gives a law the programs fc.assert would, generated here or read from a corpus another law stored', () => {
  const expected = asserted(99, 30, 12);
  expect(generateLawPrograms(99, 30, 12)).toStrictEqual(expected);
  const dir = inject('lawCorpus');
  expect(dir, 'the global setup (test/law-corpus.ts) provides the directory').toBeTruthy();
  expect(lawPrograms(99, 30, 12)).toStrictEqual(expected); // generated, and stored
  expect(readdirSync(dir!)).toContain('seed-99-steps-12-runs-30.json');
  expect(lawPrograms(99, 30, 12)).toStrictEqual(expected); // read back
  expect(lawPrograms(99, 18, 12)).toStrictEqual(expected.slice(0, 18)); // the first of a larger corpus
  expect(lawPrograms(98, 18, 12)).toStrictEqual(asserted(98, 18, 12)); // another seed, another corpus
});

it('still reports a broken law through fc.assert, shrunk', () => {
  const broken = () => checkLaw(({ step }) => ('call' in step && step.call === 'fork' ? 'a fork' : undefined), {
    minApplied: 0, runs: 50, maxSteps: 12, seed: 99,
  });
  // Shrunk to the one step the law refuses.
  expect(broken).toThrow(/Property failed after \d+ tests[\s\S]*Counterexample: .*"steps":\[\{"task":"t0","call":"fork","child":"t\d+"\}\]\}\]\nShrunk \d+ time\(s\)/);
});
