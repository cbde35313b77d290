// timerfd corners run on impl and model side by side (observations and states compared): which
// timerfds a clock set cancels, ECANCELED from settime and from a non-blocking read after a disarm,
// what a disarmed timerfd reports left (an alarm one keeps its old expiry), and two readers blocked on
// one timerfd woken one expiry each.
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import type { ClockRef, Observation, Step, Timespec } from '../../vocab/index.ts';

const SEC = 1_000_000_000n;
const ns = (n: bigint): Timespec => ({ sec: String(n / SEC), nsec: Number(n % SEC) });
const ZERO = ns(0n);
const MS = 1_000_000n;
/** An absolute realtime target far ahead of any host's wall clock (2100). */
const FAR = ns(4_102_444_800n * SEC);

const agree = (steps: Step[]): Observation[] => agreeing(steps, 'timerfd-corners');

const create = (fd: string, clock: ClockRef, nonblock = true): Step => ({ task: 't0', call: 'timerfd_create', clock, nonblock, fd });
const set = (fd: string, abs: boolean, cancelOnSet: boolean, value: Timespec, interval: Timespec = ZERO, task = 't0'): Step =>
  ({ task, call: 'timerfd_settime', fd, abs, cancelOnSet, value, interval });
const read = (fd: string, task = 't0'): Step => ({ task, call: 'read', fd });
const get = (fd: string): Step => ({ task: 't0', call: 'timerfd_gettime', fd });
/** A wall-clock set to 2030: simulated, it moves only the harness's host. */
const settime: Step = { task: 't0', call: 'clock_settime', clock: 'CLOCK_REALTIME', sec: '1893456000', nsec: 0 };

describe('cancel on set', () => {
  it('only an absolute CLOCK_REALTIME timerfd asked to is canceled; a monotonic one is not', () => {
    const obs = agree([
      create('f0', 'CLOCK_MONOTONIC'), set('f0', true, true, ns(1_000_000n * SEC)),
      create('f1', 'CLOCK_REALTIME'), set('f1', true, true, FAR),
      settime, read('f0'), read('f1'),
    ]);
    expect(obs.slice(5).map((o) => o.err)).toEqual(['EAGAIN', 'ECANCELED']);
  });
  it('settime reports a pending cancel as ECANCELED once; a read after it is canceled no more', () => {
    const obs = agree([
      create('f0', 'CLOCK_REALTIME'), set('f0', true, true, FAR, ns(SEC)), settime,
      set('f0', true, true, FAR, ns(SEC)), read('f0'), get('f0'), read('f0'),
    ]);
    expect(obs.slice(3).map((o) => o.err)).toEqual(['ECANCELED', 'EAGAIN', undefined, 'EAGAIN']);
  });
  it('disarmed after the set, a non-blocking read with no ticks still reports the cancel', () => {
    const obs = agree([
      create('f0', 'CLOCK_REALTIME'), set('f0', true, true, FAR), settime,
      set('f0', true, true, ZERO), read('f0'), read('f0'),
    ]);
    expect(obs.slice(3).map((o) => o.err)).toEqual([undefined, 'ECANCELED', 'EAGAIN']);
  });
  it('a periodic timerfd whose read reported the cancel is not forwarded by the next gettime', () => {
    const obs = agree([
      create('f0', 'CLOCK_REALTIME'), set('f0', true, true, FAR, ns(SEC)), settime,
      read('f0'), get('f0'), read('f0'), { host: 'advance', ns: String(2n * SEC) }, read('f0'),
    ]);
    expect(obs[3].err).toBe('ECANCELED');
    expect(obs[5].err).toBe('EAGAIN');
    expect(obs[7].err).toBe('EAGAIN');
  });
});

describe('disarmed timerfds', () => {
  it('a disarmed monotonic timerfd has nothing left; a disarmed alarm timerfd still reports its old expiry', () => {
    const obs = agree([
      create('f0', 'CLOCK_MONOTONIC'), set('f0', false, false, ns(10n * SEC)), set('f0', false, false, ZERO), get('f0'),
      create('f1', 'CLOCK_BOOTTIME_ALARM'), set('f1', false, false, ns(10n * SEC)), set('f1', false, false, ZERO), get('f1'),
    ]);
    expect(obs[3].itimer).toEqual({ value: '0', interval: '0' });
    expect(BigInt(obs[7].itimer!.value) > 9n * SEC).toBe(true);
  });
});

describe('blocked readers', () => {
  it('two readers of one timerfd: each expiry wakes the first still waiting, the other waits on', () => {
    const obs = agree([
      create('f0', 'CLOCK_MONOTONIC', false),
      { task: 't0', call: 'thread', child: 't1' }, { task: 't0', call: 'thread', child: 't2' },
      read('f0', 't1'), read('f0', 't2'),
      set('f0', false, false, ns(MS)), { host: 'advance', ns: String(2n * MS) },
      set('f0', false, false, ns(MS)), { host: 'advance', ns: String(2n * MS) },
    ]);
    expect(obs[6].completions?.map((c) => c.task)).toEqual(['t1']);
    expect(obs[8].completions?.map((c) => c.task)).toEqual(['t2']);
  });
});
