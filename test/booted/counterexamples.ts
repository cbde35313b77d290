// Every counterexample found on a kernel booted under QEMU replays on that version, judged by the profile
// its program assumes, and agrees: the disagreement it recorded is explained by that profile.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readCounterexample } from '../../harness/counterexample.ts';
import type { Counterexample } from '../../harness/counterexample.ts';
import { compareOnKernel, describeDisagreement } from '../../kernel/compare.ts';
import { createModel } from '../../model/index.ts';
import { gate, kernelGateFor } from '../kernel/skip.ts';
import { BOOTED_VERSIONS } from '../kernel/targets.ts';

const stored = readdirSync('counterexamples').filter((f) => f.endsWith('.json')).sort()
  .map((f) => ({ f, c: readCounterexample(join('counterexamples', f)) }))
  .filter(({ c }) => c.booted !== undefined);

export function bootedCounterexamplesStored(): void {
  it('counterexamples/ holds disagreements found on booted kernels, with the version and release', () => {
    expect(stored.length).toBeGreaterThan(0);
    for (const { c } of stored) expect(c.booted!.release.startsWith(c.booted!.version)).toBe(true);
    // Each is replayed by the file of its version (linux-<version>.test.ts).
    for (const { f, c } of stored) expect(BOOTED_VERSIONS, f).toContain(c.booted!.version);
  });
}

/** The stored counterexamples found on Linux v, replayed there. */
export function bootedCounterexamples(v: string): void {
  for (const { f, c } of stored.filter(({ c }) => c.booted!.version === v)) bootedReplay(f, c);
}

function bootedReplay(f: string, c: Counterexample): void {
  it(`${f} replays on Linux ${c.booted!.version} under QEMU and the ${c.program.kernel} model allows every observation`, async (ctx) => {
    const mode = { kernel: c.booted!.version };
    gate(kernelGateFor(mode), ctx);
    const r = await compareOnKernel(c.program, createModel, { timeoutMs: 20_000, ...mode });
    if (r.disagreement) expect.fail(describeDisagreement(r.disagreement));
    expect(r.compared + r.refused.length).toBe(c.program.steps.length);
  });
}
