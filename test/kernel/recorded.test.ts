// Kernel runs recorded on this machine, judged again without a kernel: each once made the judge report
// a disagreement Linux did not have (a timing the corners did not cover). The file's note says which.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
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
