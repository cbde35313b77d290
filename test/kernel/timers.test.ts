// Timers, timerfds, sleeps, futex waits and signals on the real kernel: what the executor reports, and
// how compare.ts judges them is tested without a kernel in judging.test.ts.
import { describe, expect, it } from 'vitest';
import { compareOnKernel, describeDisagreement } from '../../kernel/compare.ts';
import { runOnKernel, stepLine, HandleTable } from '../../kernel/driver.ts';
import type { KernelRun } from '../../kernel/driver.ts';
import { createModel } from '../../model/index.ts';
import type { Observation } from '../../vocab/index.ts';
import { program } from './programs.ts';
import { gate, kernelGate } from './skip.ts';

const ms = (n: number) => ({ sec: '0', nsec: n * 1_000_000 });
const HOUR_NS = 3_600_000_000_000n;
/** Real (monotonic) time from the start of step `from` to the end of step `to`. */
const span = (run: KernelRun, from: number, to: number) => run.steps[to].after.monotonic - run.steps[from].before.monotonic;
const zero = { sec: '0', nsec: 0 };
const hour = { sec: '3600', nsec: 0 };

export const TIMERS_AND_SLEEPS = program([
  { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k0' },
  { task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: ms(1), interval: ms(1) },
  { task: 't0', call: 'timer_gettime', timer: 'k0' },
  { host: 'advance', ns: '5000000' },
  { task: 't0', call: 'sigwait' },
  { task: 't0', call: 'timer_getoverrun', timer: 'k0' },
  { task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: false, fd: 'f0' },
  // An hour ahead: however slowly the next steps run, the read finds nothing to read and blocks.
  { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: false, cancelOnSet: false, value: hour, interval: zero },
  { task: 't0', call: 'thread', child: 't1' },
  { task: 't1', call: 'read', fd: 'f0' }, // blocks until the timerfd fires
  { task: 't1', call: 'read_uptime' }, // blocked
  // Re-armed 1 ms ahead under the blocked reader: the timerfd fires, and the read ends here or in the
  // advance (3 ms of real waiting, so by its end the timerfd has fired).
  { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: false, cancelOnSet: false, value: ms(1), interval: zero },
  { host: 'advance', ns: '3000000' },
  { task: 't0', call: 'nanosleep', value: hour },
  { host: 'signal', task: 't0', handler: false }, // restarts the sleep: nothing ends
  { task: 't0', call: 'sysinfo' }, // still blocked
  { host: 'signal', task: 't0', handler: true }, // EINTR with almost an hour left
  { task: 't0', call: 'futex_wait', realtime: false, value: { sec: '0', nsec: 5 } }, // long past: ETIMEDOUT
  { task: 't0', call: 'timer_delete', timer: 'k0' },
  { task: 't0', call: 'timer_gettime', timer: 'k0' },
  { task: 't0', call: 'sigwait' },
]);

describe('timers and blocking calls on the kernel', () => {
  gate(kernelGate);
  it('agree with the model, and show what the executor reports for each kind of step', async () => {
    const r = await compareOnKernel(TIMERS_AND_SLEEPS, createModel);
    if (r.disagreement) console.log(describeDisagreement(r.disagreement));
    expect(r.disagreement).toBeUndefined();
    const obs = r.run.steps.map((s) => s.obs as Observation);
    expect(obs[0]).toEqual({ ret: 0, handle: 'k0' });
    expect(obs[1]).toEqual({ ret: 0, itimer: { value: '0', interval: '0' } });
    expect(obs[2].itimer?.interval).toBe('1000000');
    expect(obs[4]).toMatchObject({ ret: 34, handle: 'k0' });
    expect(obs[4].overrun).toBeGreaterThanOrEqual(2);
    expect(obs[9]).toEqual({ pending: true });
    expect(obs[10]).toEqual({ blocked: true });
    // The old setting: the hour less at most the real time from the arming step's start to this step's end.
    expect(BigInt(obs[11].itimer!.value)).toBeGreaterThanOrEqual(HOUR_NS - span(r.run, 7, 11));
    expect(BigInt(obs[11].itimer!.value)).toBeLessThanOrEqual(HOUR_NS);
    const readEnd = [...(obs[11].completions ?? []), ...(obs[12].completions ?? [])];
    expect(readEnd).toEqual([{ task: 't1', call: 'read', ret: 8, value: '1' }]);
    expect(obs[13]).toEqual({ pending: true });
    expect(obs[14]).toEqual({ ret: 0 });
    expect(obs[15]).toEqual({ blocked: true });
    expect(obs[16].completions).toHaveLength(1);
    expect(obs[16].completions![0]).toMatchObject({ task: 't0', call: 'nanosleep', err: 'EINTR' });
    // Left: the hour less at most the real time from the start of the sleep's step to the end of the signal's.
    const left = BigInt(obs[16].completions![0].time!);
    expect(left).toBeGreaterThanOrEqual(HOUR_NS - span(r.run, 13, 16));
    expect(left).toBeLessThanOrEqual(HOUR_NS);
    expect(obs[17]).toEqual({ err: 'ETIMEDOUT' });
    expect(obs[19]).toEqual({ err: 'EINVAL' });
    expect(obs[20]).toEqual({ err: 'EAGAIN' });
  });

  it('a timer handle of another process names nothing in this one (EINVAL), though the ids coincide', async () => {
    const r = await compareOnKernel(program([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'none', timer: 'k1' },
      { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'none', timer: 'k0' },
      { task: 't0', call: 'timer_gettime', timer: 'k1' },
      { task: 't1', call: 'exec' },
      { task: 't1', call: 'timer_gettime', timer: 'k1' }, // exec deleted it
      { task: 't1', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'none', timer: 'k2' },
      { task: 't1', call: 'timer_gettime', timer: 'k1' },
    ]), createModel);
    if (r.disagreement) console.log(describeDisagreement(r.disagreement));
    expect(r.disagreement).toBeUndefined();
    expect(r.run.steps[3].obs).toEqual({ err: 'EINVAL' });
    expect(r.run.steps[5].obs).toEqual({ err: 'EINVAL' });
    expect(r.run.steps[7].obs).toEqual({ err: 'EINVAL' });
  });

  it('a short sleep the executor sees end before it sees it asleep is reported as its own outcome', async () => {
    const r = await compareOnKernel(program([
      { task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: false, value: { sec: '0', nsec: 1000 } },
      { task: 't0', call: 'sysinfo' },
    ]), createModel);
    expect(r.disagreement).toBeUndefined();
    expect(r.run.steps[0].obs).toEqual({ ret: 0 });
  });

  it('the clock is never set: settime and suspend are refused before anything runs', async () => {
    await expect(runOnKernel(program([{ host: 'settime', realtime: '0' }]))).rejects.toThrow(/never set/);
    expect(() => stepLine({ host: 'suspend', ns: '1' }, new HandleTable(program([])))).toThrow();
  });
});
