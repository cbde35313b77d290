// Timer corners the generated programs seldom reach, run on model and impl in lock-step (every
// observation and abstract state compared) with the decisive observation pinned from fs/timerfd.c and
// kernel/time/posix-timers.c (the CPU-clock ones measured on 6.18 with `timens run FILE --side kernel`).
// Which of several timerfd readers wins is the model's alone (impl takes the first): those are checked
// against the contract of Choices and docs/conventions.md.
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import { createModel } from '../../model/index.ts';
import { runProgram } from '../../harness/run.ts';
import type { ClockRef, Observation, Program, Step, TaskHandle } from '../../vocab/index.ts';

const program = (steps: Step[]): Program => ({ format: 1, kernel: 'current', env: { seed: 'timer-corners' }, steps });
const ms = (n: number) => ({ sec: '0', nsec: n * 1_000_000 });
const zero = { sec: '0', nsec: 0 };
const FAR = { sec: '4000000000', nsec: 0 }; // an absolute realtime target no step reaches
const advance = (n: number): Step => ({ host: 'advance', ns: String(n * 1_000_000) });
const setRealtime: Step = { host: 'settime', realtime: '1800000000000000000' };

/** The observations, after model and impl agreed on every one and on every state. */
const agreed = (steps: Step[]): Observation[] => agreeing(steps, 'timer-corners');

describe('POSIX timers', () => {
  it('a SIGEV_NONE timer on a CPU clock reports the time left to its expiry', () => {
    // posix_cpu_timer_get reports expires - now for every timer with an expiry (6.18: 499993882 ns
    // left of 500 ms one step later).
    const obs = agreed([
      { task: 't0', call: 'timer_create', clock: 'CLOCK_PROCESS_CPUTIME_ID', notify: 'none', timer: 'k0' },
      { task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: ms(500), interval: zero },
      { task: 't0', call: 'timer_gettime', timer: 'k0' },
    ]);
    const left = BigInt(obs[2].itimer!.value);
    expect(left > 400_000_000n && left <= 500_000_000n, String(left)).toBe(true);
  });

  it('a CPU-clock timer whose expiry is reached but has not fired reports 1 ns, and is not forwarded', () => {
    // __posix_cpu_timer_get: "the firing hasn't taken place yet. Say it's just about to expire".
    // No CPU time reaches a timer here, so it stays armed; one step later its 1 us is used up.
    const obs = agreed([
      { task: 't0', call: 'timer_create', clock: 'CLOCK_PROCESS_CPUTIME_ID', notify: 'signal', timer: 'k0' },
      { task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: { sec: '0', nsec: 1000 }, interval: ms(1) },
      { task: 't0', call: 'timer_gettime', timer: 'k0' },
    ]);
    expect(obs[2].itimer).toEqual({ value: '1', interval: '1000000' });
  });

  it('a signal timer disarmed by a zero value reports nothing left', () => {
    // common_timer_get: no interval and POSIX_TIMER_DISARMED, not SIGEV_NONE: the zeroed setting.
    const obs = agreed([
      { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k0' },
      { task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: { sec: '10', nsec: 0 }, interval: zero },
      { task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: zero, interval: zero },
      { task: 't0', call: 'timer_gettime', timer: 'k0' },
    ]);
    expect(obs[3].itimer).toEqual({ value: '0', interval: '0' });
  });

  it('deleting one fired timer drops its signal only', () => {
    const obs = agreed([
      { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k0' },
      { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k1' },
      { task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: ms(1), interval: zero },
      { task: 't0', call: 'timer_settime', timer: 'k1', abs: false, value: ms(2), interval: zero },
      advance(10),
      { task: 't0', call: 'timer_delete', timer: 'k0' },
      { task: 't0', call: 'sigwait' },
      { task: 't0', call: 'sigwait' },
    ]);
    expect(obs[6]).toEqual({ ret: 34, handle: 'k1', overrun: 0 });
    expect(obs[7]).toEqual({ err: 'EAGAIN' });
  });

  it('taking the signal of a one-shot timer re-arms nothing', () => {
    const obs = agreed([
      { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k0' },
      { task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: ms(1), interval: zero },
      advance(10),
      { task: 't0', call: 'sigwait' },
      { task: 't0', call: 'timer_gettime', timer: 'k0' },
    ]);
    expect(obs[3]).toEqual({ ret: 34, handle: 'k0', overrun: 0 });
    expect(obs[4].itimer).toEqual({ value: '0', interval: '0' });
  });
});

describe('timerfd', () => {
  const create = (fd: string, clock: ClockRef = 'CLOCK_REALTIME', nonblock = true): Step =>
    ({ task: 't0', call: 'timerfd_create', clock, nonblock, fd });
  const cancelOnSet = (fd: string, interval = zero): Step =>
    ({ task: 't0', call: 'timerfd_settime', fd, abs: true, cancelOnSet: true, value: FAR, interval });
  const read = (fd: string, task = 't0'): Step => ({ task, call: 'read', fd });

  it('a cancel is reported once', () => {
    // timerfd_canceled: moffs is taken afresh once the cancel has been reported.
    const obs = agreed([create('f0'), cancelOnSet('f0'), setRealtime, read('f0'), read('f0')]);
    expect(obs[3]).toEqual({ err: 'ECANCELED' });
    expect(obs[4]).toEqual({ err: 'EAGAIN' });
  });

  it('a canceled periodic timerfd read once has nothing left to forward', () => {
    const obs = agreed([
      create('f0'), cancelOnSet('f0', ms(100)), setRealtime, read('f0'),
      { task: 't0', call: 'timerfd_gettime', fd: 'f0' }, read('f0'),
    ]);
    expect(obs[3]).toEqual({ err: 'ECANCELED' });
    expect(obs[5]).toEqual({ err: 'EAGAIN' });
  });

  it('a CLOCK_REALTIME_ALARM timerfd can be canceled by a clock set', () => {
    // timerfd_setup_cancel: CLOCK_REALTIME or CLOCK_REALTIME_ALARM, absolute, cancel-on-set.
    const obs = agreed([create('f0', 'CLOCK_REALTIME_ALARM'), cancelOnSet('f0'), setRealtime, read('f0')]);
    expect(obs[3]).toEqual({ err: 'ECANCELED' });
  });

  it('timerfd_settime with cancel-on-set on a timerfd already canceled answers ECANCELED', () => {
    // timerfd_setup: hrtimer_start, then timerfd_canceled.
    const obs = agreed([create('f0'), cancelOnSet('f0'), setRealtime, cancelOnSet('f0'), read('f0')]);
    expect(obs[3]).toEqual({ err: 'ECANCELED' });
    expect(obs[4]).toEqual({ err: 'EAGAIN' });
  });

  it('an expired periodic timerfd disarmed by a zero value stays disarmed', () => {
    const obs = agreed([
      create('f0', 'CLOCK_MONOTONIC'),
      { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: false, cancelOnSet: false, value: ms(1), interval: ms(1) },
      advance(5),
      { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: false, cancelOnSet: false, value: zero, interval: zero },
      advance(5),
      read('f0'),
    ]);
    expect(obs[5]).toEqual({ err: 'EAGAIN' });
  });

  it('a blocking read ended by a signal reports EINTR and no time left', () => {
    const obs = agreed([
      create('f0', 'CLOCK_MONOTONIC', false),
      { task: 't0', call: 'fork', child: 't1' },
      read('f0', 't1'),
      { host: 'signal', task: 't1', handler: true },
    ]);
    expect(obs[2]).toEqual({ pending: true });
    expect(obs[3].completions).toEqual([{ task: 't1', call: 'read', err: 'EINTR' }]);
  });

  it('a reader keeps the timerfd alive when its thread group closes the last fd', () => {
    // The read holds its own reference to the file (fdget) until it returns.
    const obs = agreed([
      create('f0', 'CLOCK_MONOTONIC', false),
      { task: 't0', call: 'thread', child: 't1' },
      read('f0', 't1'),
      { task: 't0', call: 'close', fd: 'f0' },
      { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: false, cancelOnSet: false, value: ms(1), interval: zero },
    ]);
    expect(obs[4]).toEqual({ err: 'EBADF' });
    // Armed before the close: fires later and the reader takes it.
    const armed = agreed([
      create('f0', 'CLOCK_MONOTONIC', false),
      { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: false, cancelOnSet: false, value: ms(2), interval: zero },
      { task: 't0', call: 'thread', child: 't1' },
      read('f0', 't1'),
      { task: 't0', call: 'close', fd: 'f0' },
      advance(5),
    ]);
    expect(armed[5].completions).toEqual([{ task: 't1', call: 'read', ret: 8, value: '1' }]);
  });

  // Three readers of one timerfd, begun in the reverse of their creation order.
  const readers: Step[] = [
    create('f0', 'CLOCK_MONOTONIC', false),
    { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: false, cancelOnSet: false, value: ms(2), interval: zero },
    { task: 't0', call: 'fork', child: 't1' },
    { task: 't0', call: 'fork', child: 't2' },
    { task: 't0', call: 'fork', child: 't3' },
    read('f0', 't3'), read('f0', 't2'), read('f0', 't1'),
    advance(5),
  ];

  it('by default the reader that has waited longest takes the expirations', () => {
    const obs = agreed(readers);
    expect(obs[8].completions).toEqual([{ task: 't3', call: 'read', ret: 8, value: '1' }]);
  });

  it('a choice is asked only among several readers, in the order they began to wait, and decides', () => {
    const asked: TaskHandle[][] = [];
    const choose = (rs: TaskHandle[]) => {
      asked.push(rs);
      return rs[1];
    };
    // One reader alone first (no choice), then the three.
    const steps: Step[] = [
      create('f1', 'CLOCK_MONOTONIC', false),
      { task: 't0', call: 'timerfd_settime', fd: 'f1', abs: false, cancelOnSet: false, value: ms(1), interval: zero },
      { task: 't0', call: 'fork', child: 't9' },
      read('f1', 't9'),
      advance(5),
      ...readers,
    ];
    const obs = runProgram(program(steps), (env) => createModel(env, { timerfdReader: choose })).map((e) => e.obs);
    expect(obs[4].completions).toEqual([{ task: 't9', call: 'read', ret: 8, value: '1' }]);
    expect(asked).toEqual([['t3', 't2', 't1']]);
    expect(obs[13].completions).toEqual([{ task: 't2', call: 'read', ret: 8, value: '1' }]);
    // Two readers are a choice too.
    asked.length = 0;
    const two = runProgram(program([...readers.slice(0, 4), read('f0', 't2'), read('f0', 't1'), advance(5)]),
      (env) => createModel(env, { timerfdReader: choose })).map((e) => e.obs);
    expect(asked).toEqual([['t2', 't1']]);
    expect(two[6].completions).toEqual([{ task: 't1', call: 'read', ret: 8, value: '1' }]);
  });
});
