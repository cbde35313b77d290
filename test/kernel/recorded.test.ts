// Kernel runs recorded on this machine, judged again without a kernel: each once made the judge report
// a disagreement Linux did not have (a timing the corners did not cover). The file's note says which.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRun, describeDisagreement } from '../../kernel/compare.ts';
import type { KernelRun } from '../../kernel/driver.ts';
import { checkProgram } from '../../harness/program.ts';
import { createModel } from '../../model/index.ts';

const DIR = join(import.meta.dirname, 'recorded');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

it('holds recorded runs', () => {
  expect(files.length).toBeGreaterThan(0);
});

for (const f of files) {
  it(`${f}: the judge accepts what Linux did`, () => {
    const text = readFileSync(join(DIR, f), 'utf8');
    const { note, program, run } = JSON.parse(text, (_, v) => (v && typeof v === 'object' && '$b' in v ? BigInt(v.$b) : v));
    expect(typeof note).toBe('string');
    const r = compareRun(checkProgram(program), run as KernelRun, createModel);
    if (r.disagreement) expect.fail(describeDisagreement(r.disagreement));
    expect(r.compared).toBeGreaterThan(0);
  });
}

// The recorded wake within the arming step, with the timer armed later: the kernel may end the read in
// the arming step only if the earliest expiry (armed at the step's `before`) lies within its bracket.
describe('a read woken within the step that armed its timerfd', () => {
  const text = readFileSync(join(DIR, 'timerfd-wake-within-arming-step.json'), 'utf8');
  const { program, run } = JSON.parse(text, (_, v) => (v && typeof v === 'object' && '$b' in v ? BigInt(v.$b) : v));
  const arming = run.steps[3] as KernelRun['steps'][number];
  // The clock the timerfd counts on: its width is how long after `before` the expiry may come.
  const clock = program.steps[0].clock === 'CLOCK_BOOTTIME_ALARM' ? 'boottime' : 'monotonic';
  const width = arming.after[clock as 'boottime'] - arming.before[clock as 'boottime'];
  const armedAt = (ns: bigint) => {
    const steps = program.steps.map((s: Record<string, unknown>, i: number) =>
      i === 3 ? { ...s, value: { sec: String(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) } } : s);
    return compareRun(checkProgram({ ...program, steps }), run as KernelRun, createModel);
  };

  it('is accepted while the expiry can lie within the bracket (up to its width)', () => {
    expect(width).toBeGreaterThan(1n);
    for (const ns of [1n, width]) {
      const r = armedAt(ns);
      if (r.disagreement) expect.fail(`${ns} ns: ${describeDisagreement(r.disagreement)}`);
    }
  });

  it('is a disagreement once the expiry lies past the bracket, even by 1 ns', () => {
    for (const ns of [width + 1n, 1_000_000_000n]) {
      const r = armedAt(ns);
      expect(r.disagreement?.index, `${ns} ns`).toBe(3);
      expect(r.disagreement?.reason).toBe('the kernel ended the read of t1 (step 2) in step 3, the models not before step 4');
    }
  });
});
