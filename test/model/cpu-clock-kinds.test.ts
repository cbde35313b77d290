// Which clock ids are CPU-time clocks, by the id encoding of include/linux/posix-timers_types.h and
// clockid_to_kclock (kernel/time/posix-timers.c): a negative id is a clock fd when its low three bits are
// CLOCKFD (3), else a CPU clock of a pid; CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID are the
// named CPU clocks (process_clock, thread_clock); every other named clock is none.
import { describe, expect, it } from 'vitest';
import { isClockFd, isRawCpuClock } from '../../model/cpuclocks.ts';
import { isCpuClock } from '../../model/ktime.ts';
import { CLOCKS, CPUCLOCK, cpuClockId } from '../../vocab/index.ts';

const PROCESS_SCHED = cpuClockId(0, false, CPUCLOCK.SCHED); // -6, the kernel's PROCESS_CLOCK
const THREAD_PROF = cpuClockId(0, true, CPUCLOCK.PROF); // -4
const FD_0 = cpuClockId(0, false, CPUCLOCK.CLOCKFD); // -5: FD_TO_CLOCKID(0)

describe('CPU clock ids', () => {
  it('the ids are the kernel\'s: ~pid << 3 | thread bit | clock', () => {
    expect([PROCESS_SCHED, THREAD_PROF, FD_0]).toEqual([-6, -4, -5]);
  });

  it('a raw CPU clock is a negative id that is no clock fd; no id of 0 or above is one', () => {
    expect([PROCESS_SCHED, THREAD_PROF].map(isRawCpuClock)).toEqual([true, true]);
    expect(isClockFd(FD_0)).toBe(true);
    expect(isRawCpuClock(FD_0)).toBe(false);
    expect([CLOCKS.CLOCK_REALTIME, CLOCKS.CLOCK_MONOTONIC, CLOCKS.CLOCK_PROCESS_CPUTIME_ID].map(isRawCpuClock)).toEqual([false, false, false]);
  });

  it('the CPU-time clocks are the two named ones and the raw CPU clocks', () => {
    expect([CLOCKS.CLOCK_PROCESS_CPUTIME_ID, CLOCKS.CLOCK_THREAD_CPUTIME_ID, PROCESS_SCHED, THREAD_PROF].map(isCpuClock))
      .toEqual([true, true, true, true]);
    expect([CLOCKS.CLOCK_REALTIME, CLOCKS.CLOCK_MONOTONIC, CLOCKS.CLOCK_MONOTONIC_RAW, CLOCKS.CLOCK_BOOTTIME, FD_0].map(isCpuClock))
      .toEqual([false, false, false, false, false]);
  });
});
