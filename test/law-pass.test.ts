// The laws checked together (properties/laws/law.ts checkLawsTogether): each law sees exactly the steps
// it would see checked on its own, over its own share of the programs, and a law broken in the pass is
// still found again and shrunk by fc.assert, while the others pass. (Seeds other than those of
// test/law-corpus.test.ts, which looks for the corpus files its own seeds leave.)
import { expect, it } from 'vitest';
import { checkLaw, checkLawsTogether } from '../properties/laws/law.ts';
import type { Law, LawOptions } from '../properties/laws/law.ts';

/** A law that applies to every step it sees, and records what it saw. */
function recording(): { law: Law; seen: string[] } {
  const seen: string[] = [];
  return { seen, law: (s) => { seen.push(JSON.stringify([s.step, s.obs, s.after])); return ''; } };
}

it('gives each law the steps of its own share of the programs, as checking it alone does', () => {
  const options = (runs: number): LawOptions => ({ minApplied: 0, runs, maxSteps: 12, seed: 5 });
  const [alone30, alone50] = [recording(), recording()];
  const n30 = checkLaw(alone30.law, { ...options(30), name: 'alone 30' });
  const n50 = checkLaw(alone50.law, { ...options(50), name: 'alone 50' });
  const [together30, together50] = [recording(), recording()];
  const outcomes = checkLawsTogether([
    { name: 'together 30', law: together30.law, options: options(30) },
    { name: 'together 50', law: together50.law, options: options(50) },
  ]);
  expect(outcomes).toEqual([n30, n50]);
  expect(n50).toBeGreaterThan(n30);
  expect(together30.seen).toEqual(alone30.seen);
  expect(together50.seen).toEqual(alone50.seen);
});

it('starts each law afresh on each program, as checking it alone does', () => {
  let fresh = 0;
  const options: LawOptions = { minApplied: 0, runs: 20, maxSteps: 8, seed: 5, fresh: () => { fresh++; } };
  checkLawsTogether([{ name: 'fresh', law: () => undefined, options }]);
  expect(fresh).toBe(20);
});

it('fails a law broken in the pass through fc.assert, shrunk, and passes the others', () => {
  const options: LawOptions = { minApplied: 0, runs: 50, maxSteps: 12, seed: 96 };
  const fine = recording();
  const [broken, held] = checkLawsTogether([
    { name: 'no fork', law: ({ step }) => ('call' in step && step.call === 'fork' ? 'a fork' : undefined), options },
    { name: 'anything', law: fine.law, options },
  ]);
  expect(broken).toBeInstanceOf(Error);
  expect((broken as Error).message).toMatch(/Property failed after \d+ tests[\s\S]*Counterexample: .*"steps":\[\{"task":"t0","call":"fork","child":"t\d+"\}\]\}\]\nShrunk \d+ time\(s\)/);
  expect(held).toBe(fine.seen.length);
  expect(held).toBeGreaterThan(100);
});

it('fails a law whose premise held less often than its minimum', () => {
  const [outcome] = checkLawsTogether([{ name: 'rare', law: () => undefined, options: { minApplied: 1, runs: 10, maxSteps: 5, seed: 5 } }]);
  expect(outcome).toBeInstanceOf(Error);
  expect(String(outcome)).toMatch(/expected 0 to be greater than or equal to 1/);
});
