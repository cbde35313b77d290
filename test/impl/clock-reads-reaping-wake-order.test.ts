// Corners run on impl and model side by side (observations and states compared), with the values Linux
// gives: time() and times() in whole units rounded down, a dead process reaped when its parent ends,
// and the order in which a wall-clock set ends blocked calls.
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import type { ClockRef, Observation, Step, Timespec } from '../../vocab/index.ts';
import { Run, SEC } from './helpers.ts';

const agree = (steps: Step[], seed = 'clock-reads'): Observation[] => agreeing(steps, seed);

const ts = (n: bigint): Timespec => ({ sec: String(n / SEC), nsec: Number(n % SEC) });
const coarse = (vdso: boolean): Step => ({ task: 't0', call: 'clock_gettime', clock: 'CLOCK_REALTIME_COARSE', vdso });

describe('time()', () => {
  // tk->xtime_sec is the tv_sec of the coarse wall clock as a normalised timespec (0 <= nsec < 1e9):
  // the seconds rounded down, which the vDSO reads from the same base. Set to the epoch between two
  // ticks, the coarse clock still shows the last tick, a moment before 1970: second -1.
  it('reads the coarse wall clock\'s seconds rounded down, through the vDSO and the syscall alike', () => {
    const obs = agree([
      { host: 'settime', realtime: '0' }, coarse(false),
      { task: 't0', call: 'time', vdso: true }, { task: 't0', call: 'time', vdso: false }, coarse(true),
    ]);
    const c = BigInt(obs[1].time!);
    // The coarse clock stood still over the two reads of time(), just below zero.
    expect(obs[4].time).toBe(obs[1].time);
    expect(c < 0n && c > -SEC).toBe(true);
    expect(obs[2]).toEqual({ ret: 0, time: String(-SEC) });
    expect(obs[3]).toEqual({ ret: 0, time: String(-SEC) });
  });
});

describe('times()', () => {
  // do_sys_times: tms_stime = nsec_to_clock_t(stime), USER_HZ 100: 10 ms per clock tick, rounded down.
  it('gives the CPU time as system time in clock ticks, rounded down', () => {
    const r = new Run();
    r.host = { ...r.host, cputime: 1_234_567_890n - 1000n };
    const o = r.step({ task: 't0', call: 'times' });
    expect(o.tms).toEqual({ utime: 0, stime: 123, cutime: 0, cstime: 0 });
  });
});

describe('reaping', () => {
  // exit_group from a thread while the leader is already a zombie exits the live threads only; the
  // process is then dead, and when its parent ends it goes to the reaper, which reaps it at once: its
  // /proc/PID is gone.
  it('a process ended by exit_group after its leader\'s exit is reaped when its parent ends', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'fork', child: 't2' },
      { task: 't2', call: 'thread', child: 't3' },
      { task: 't2', call: 'exit', code: 1 },
      { task: 't3', call: 'exit_group', code: 2 },
      { task: 't0', call: 'read_starttime', target: 't2' },
      { task: 't1', call: 'exit' },
      { task: 't0', call: 'read_starttime', target: 't2' },
    ]);
    expect(obs[5]).toMatchObject({ ret: 0 });
    expect(obs[7]).toEqual({ err: 'ENOENT' });
  });
});

describe('a set of the wall clock', () => {
  /** 2050-01-01, 2060-01-01 and 2100-01-01: far ahead of every seed's wall clock; 2000-01-01 behind it. */
  const Y2000 = 946_684_800n * SEC;
  const Y2100 = 4_102_444_800n * SEC;
  const Y2050 = 2_524_608_000n * SEC;
  const Y2060 = 2_840_140_800n * SEC;
  const sleep = (task: string, clock: ClockRef, abs: boolean, value: bigint): Step =>
    ({ task, call: 'clock_nanosleep', clock, abs, value: ts(value) });
  const forks: Step[] = [{ task: 't0', call: 'fork', child: 't1' }, { task: 't0', call: 'fork', child: 't2' }];
  const ended = (o: Observation) => (o.completions ?? []).map((c) => `${c.task} ${c.err ?? c.ret}`);

  it('ends the sleeps it reaches in arming order, a TAI one armed first before a REALTIME one', () => {
    const obs = agree([
      ...forks, sleep('t1', 'CLOCK_TAI', false, 20n * SEC), sleep('t2', 'CLOCK_REALTIME', true, Y2050),
      { host: 'settime', realtime: String(Y2100) },
    ]);
    expect(ended(obs[4])).toEqual(['t1 0', 't2 0']);
  });
  it('ends the REALTIME sleeps it reaches in arming order, not in the order of their targets', () => {
    const obs = agree([
      ...forks, sleep('t1', 'CLOCK_REALTIME', true, Y2060), sleep('t2', 'CLOCK_REALTIME', true, Y2050),
      { host: 'settime', realtime: String(Y2100) },
    ]);
    expect(ended(obs[4])).toEqual(['t1 0', 't2 0']);
  });
  // Set back, to 2000: it reaches no timer, so the readers wake only by the cancel.
  it('wakes the readers of the timerfds it cancels in the order the timerfds were last armed', () => {
    const arm = (fd: string): Step =>
      ({ task: 't0', call: 'timerfd_settime', fd, abs: true, cancelOnSet: true, value: ts(Y2050), interval: ts(0n) });
    const obs = agree([
      { task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: false, fd: 'f0' },
      { task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: false, fd: 'f1' },
      arm('f0'), arm('f1'), arm('f0'), ...forks,
      { task: 't1', call: 'read', fd: 'f0' }, { task: 't2', call: 'read', fd: 'f1' },
      { host: 'settime', realtime: String(Y2000) },
    ]);
    expect(obs.slice(7, 9)).toEqual([{ pending: true }, { pending: true }]);
    expect(ended(obs[9])).toEqual(['t2 ECANCELED', 't1 ECANCELED']);
  });
});
