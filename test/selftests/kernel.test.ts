// Every selftest scenario's program also runs on this machine's Linux, and the model must allow every
// observation the kernel makes (kernel/compare.ts). The scenarios' own expectations are exact values for
// the simulated host, so here the judge is the model at each step's real clock bracket: absolute targets
// computed for the simulated host simply land elsewhere in real time, which the model then predicts.
import { describe, expect, it } from 'vitest';
import { compareOnKernel, describeDisagreement } from '../../kernel/compare.ts';
import { createModel } from '../../model/index.ts';
import { catalogue } from './catalogue.ts';
import { gate, kernelGate } from '../kernel/skip.ts';

describe('the selftest catalogue on the kernel', () => {
  gate(kernelGate);
  for (const s of catalogue) {
    it(`${s.name} (${s.source})`, async () => {
      const r = await compareOnKernel(s.program, createModel, { timeoutMs: 10_000 });
      if (r.disagreement) expect.fail(describeDisagreement(r.disagreement));
      expect(r.refused).toEqual([]);
    });
  }
});
