// Timer corners the generated programs seldom reach, run on model and impl in lock-step (every
// observation and abstract state compared) with the decisive observation pinned from fs/timerfd.c and
// kernel/time/posix-timers.c (the CPU-clock ones measured on 6.18 with `timens run FILE --side kernel`).
import { describe, expect, it } from 'vitest';
import { createImpl } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import { runDifferential } from '../../harness/run.ts';
import type { Observation, Program, Step } from '../../vocab/index.ts';

const program = (steps: Step[]): Program => ({ format: 1, kernel: 'current', env: { seed: 'timer-corners' }, steps });
const ms = (n: number) => ({ sec: '0', nsec: n * 1_000_000 });
const zero = { sec: '0', nsec: 0 };
const advance = (n: number): Step => ({ host: 'advance', ns: String(n * 1_000_000) });

/** The observations, after model and impl agreed on every one and on every state. */
function agreed(steps: Step[]): Observation[] {
  const r = runDifferential(program(steps), createModel, createImpl);
  expect(r.divergence, JSON.stringify(r.divergence, (_, v) => (typeof v === 'bigint' ? String(v) : v))).toBeUndefined();
  return r.trace.map((e) => e.left);
}

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
