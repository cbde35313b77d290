// The tables of cpu-clock-ids.ts on this machine's kernel (the model and impl are checked against them in
// test/model/cpu-clock-ids.test.ts).
import { describe, expect, it } from 'vitest';
import { runOnKernel } from '../../kernel/driver.ts';
import { CPU_CLOCK_CALLS_EXPECTED, CPU_CLOCK_CALLS_PROGRAM, CPU_CLOCK_IDS_EXPECTED, CPU_CLOCK_IDS_PROGRAM, callAnswers } from './cpu-clock-ids.ts';
import { gate, kernelGate } from './skip.ts';

describe('raw CPU clock ids, on the kernel', () => {
  gate(kernelGate);
  it('timer_create answers as the table says', async () => {
    const run = await runOnKernel(CPU_CLOCK_IDS_PROGRAM);
    expect(run.steps.map((s) => s.obs)).toEqual(CPU_CLOCK_IDS_EXPECTED);
  });
  it('clock_gettime, clock_getres, timerfd_create and clock_nanosleep answer as the table says', async () => {
    const run = await runOnKernel(CPU_CLOCK_CALLS_PROGRAM);
    expect(callAnswers(run.steps.map((s) => s.obs))).toEqual(CPU_CLOCK_CALLS_EXPECTED);
  });
});
