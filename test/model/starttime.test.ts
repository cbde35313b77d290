// /proc/PID/stat starttime and times(2) on the model, against the rules of test/kernel/programs.ts
// STARTTIME (the same table the impl and the kernel are checked with).
import { describe, expect, it } from 'vitest';
import { createModel } from '../../model/index.ts';
import { STARTTIME_PROGRAM } from '../kernel/programs.ts';
import { simulated, startTimeChecks } from '../starttime-checks.ts';

describe('read_starttime and times on the model', () => {
  startTimeChecks(createModel);
  it('take t0\'s start from the environment and the jiffies from the host, unshifted', () => {
    const { obs, b } = simulated(STARTTIME_PROGRAM, createModel);
    expect(obs[4].value).toBe(String(b.born.before / 10_000_000n));
    expect(obs[15].ret).toBe(Number(b.steps[15].before.clockTicks));
  });
});
