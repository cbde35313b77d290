// The legacy clone's exit signal, exit codes and wait options on impl, against the expected observations
// of test/kernel/programs.ts (the same table the model and the kernel are checked with).
import { describe, expect, it } from 'vitest';
import { CLONE_EXIT_WAIT, CLONE_NEWTIME_BIT, DUMPABLE } from '../kernel/programs.ts';
import { Run } from './helpers.ts';

describe('clone, exit and wait on impl', () => {
  it('observes every step of the table', () => {
    const r = new Run();
    CLONE_EXIT_WAIT.forEach(([step, expected], i) => expect(r.step(step), `step ${i} ${JSON.stringify(step)}`).toEqual(expected));
  });

  it('keeps the exit signal of a legacy clone child in its task (exit_signal), -1 for a thread', () => {
    const r = new Run();
    r.ok({ task: 't0', call: 'clone', child: 't1', flags: [], exitSignal: 0x80 | 17 },
      { task: 't0', call: 'clone', child: 't2', flags: ['CLONE_THREAD', 'CLONE_VM'], exitSignal: 0x80 | 17 });
    expect(r.step({ task: 't0', call: 'wait', child: 't1' })).toEqual({ ret: 0 });
    expect(r.step({ task: 't0', call: 'wait', child: 't1', options: [] })).toEqual({ err: 'ECHILD' });
    expect(r.step({ task: 't0', call: 'wait', child: 't1', options: ['__WCLONE'] })).toEqual({ ret: 0 });
  });

  it('a legacy clone with 0x80 in its word makes no time namespace', () => {
    const r = new Run();
    const obs = CLONE_NEWTIME_BIT.steps.map((s) => r.step(s));
    expect(obs[4].link).toBe(obs[3].link);
    expect(obs[5].link).not.toBe(obs[3].link);
  });
});

describe('gettimeofday and time on impl', () => {
  it('read the wall clock unshifted in a namespace a day ahead, the vDSO agreeing with the syscall', async () => {
    const { WALL_CLOCKS } = await import('../kernel/programs.ts');
    const r = new Run();
    // The last tick was before the second the wall clock has just entered: time() still shows the one before.
    const S = 1_800_000_000n * 1_000_000_000n;
    r.host = { ...r.host, realtime: S + 100_000_123n, realtimeCoarse: S - 100_000_000n };
    const obs = WALL_CLOCKS.steps.map((s) => r.step(s));
    const realtime = r.host.realtime; // every step moved the host by 1 µs; the reads are the last four
    expect(BigInt(obs[4].time!)).toBe(realtime - 3000n - 123n);
    expect(BigInt(obs[5].time!)).toBe(realtime - 2000n - 123n);
    expect(obs[6].time).toBe(String(S - 1_000_000_000n));
    expect(obs[7].time).toBe(obs[6].time);
  });
});

describe('prctl(PR_SET_DUMPABLE) on impl', () => {
  it('observes every step of the table', () => {
    const r = new Run();
    DUMPABLE.forEach(([step, expected], i) => expect(r.step(step), `step ${i} ${JSON.stringify(step)}`).toEqual(expected));
  });
});
