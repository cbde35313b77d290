// A clock_nanosleep on a CPU-time clock ended by a signal with a handler (posix_cpu_nsleep,
// do_cpu_nanosleep in kernel/time/posix-cpu-timers.c): a relative sleep copies out what is left of its
// CPU timer (nanosleep_copyout of it_value), an absolute one has no rmtp (SYSCALL clock_nanosleep drops
// it for TIMER_ABSTIME: TT_NONE) and returns -ERESTARTNOHAND, EINTR with nothing left. The harness gives
// a sleeper's process no CPU time (docs/conventions.md, "Timers"), so what is left is what was asked.
import { describe, expect, it } from 'vitest';
import { CPUCLOCK, cpuClockId } from '../../vocab/index.ts';
import { BASE, S, after, run, ts } from './run.ts';

describe('CPU-time sleeps interrupted by a handler', () => {
  it('a relative sleep reports the whole request left, on the named and on a raw process clock', () => {
    for (const clock of ['CLOCK_PROCESS_CPUTIME_ID', cpuClockId(0, false, CPUCLOCK.PROF)] as const) {
      const r = run([{ task: 't0', call: 'clock_nanosleep', clock, abs: false, value: ts(5n * S) }]);
      expect(r.obs[0], String(clock)).toEqual({ pending: true });
      expect(r.do({ host: 'signal', task: 't0', handler: true }, after(S)).completions, String(clock))
        .toEqual([{ task: 't0', call: 'clock_nanosleep', err: 'EINTR', time: String(5n * S) }]);
    }
  });

  it('an absolute sleep ends with EINTR alone', () => {
    for (const clock of ['CLOCK_PROCESS_CPUTIME_ID', cpuClockId(0, false, CPUCLOCK.SCHED)] as const) {
      const r = run([{ task: 't0', call: 'clock_nanosleep', clock, abs: true, value: ts(BASE.cputime + 5n * S) }]);
      expect(r.obs[0], String(clock)).toEqual({ pending: true });
      expect(r.do({ host: 'signal', task: 't0', handler: true }, after(S)).completions, String(clock))
        .toEqual([{ task: 't0', call: 'clock_nanosleep', err: 'EINTR' }]);
    }
  });
});
