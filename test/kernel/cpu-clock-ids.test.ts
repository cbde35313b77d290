// The table of cpu-clock-ids.ts on this machine's kernel (impl is checked against it in
// test/impl/cpu-clock-timers.test.ts; the model takes every negative id for EINVAL and is not).
import { describe, expect, it } from 'vitest';
import { runOnKernel } from '../../kernel/driver.ts';
import { CPU_CLOCK_IDS_EXPECTED, CPU_CLOCK_IDS_PROGRAM } from './cpu-clock-ids.ts';
import { gate, kernelGate } from './skip.ts';

describe('timer_create on raw CPU clock ids, on the kernel', () => {
  gate(kernelGate);
  it('answers as the table says', async () => {
    const run = await runOnKernel(CPU_CLOCK_IDS_PROGRAM);
    expect(run.steps.map((s) => s.obs)).toEqual(CPU_CLOCK_IDS_EXPECTED);
  });
});
