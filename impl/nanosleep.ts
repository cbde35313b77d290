// clock_nanosleep and nanosleep (kernel/time/posix-timers.c, hrtimer.c hrtimer_nanosleep,
// alarmtimer.c alarm_timer_nsleep, posix-cpu-timers.c posix_cpu_nsleep). A sleep is an
// hrtimer_sleeper: an hrtimer on the clock's base whose expiry wakes the task.
import type { Observation, Timespec } from '../vocab/index.ts';
import { capBit, capCapable } from './cred.ts';
import { BASE_CPU, hrtimerInit, hrtimerStart, ktimeAddSafe } from './hrtimer.ts';
import { cpuClockSample, negativeKclock } from './posix_cpu_timers.ts';
import type { Kernel, Task } from './sched.ts';
import { blockTask, sleeperFn } from './signal.ts';
import { clockBase, timensKtimeToHost, timespecToKtime, timespecValid } from './timekeeping.ts';

/** The k_clock's nsleep: 'hr' (common_nsleep, with timens for MONOTONIC and BOOTTIME), 'alarm',
 *  'cpu', or none (EOPNOTSUPP); undefined when no clock has the id (EINVAL). */
function nsleepKind(clk: number): 'hr' | 'alarm' | 'cpu' | 'none' | undefined {
  if (clk < 0) return negativeKclock(clk).nsleep === null ? 'none' : 'cpu';
  switch (clk) {
    case 0: case 1: case 7: case 11: return 'hr';
    case 8: case 9: return 'alarm';
    case 2: return 'cpu';
    case 3: case 4: case 5: case 6: return 'none';
    default: return undefined;
  }
}

export function sysClockNanosleep(k: Kernel, me: Task, clk: number, abs: boolean, value: Timespec, call: 'clock_nanosleep' | 'nanosleep' = 'clock_nanosleep'): Observation {
  const kind = nsleepKind(clk);
  if (kind === undefined) return { err: 'EINVAL' };
  if (kind === 'none') return { err: 'EOPNOTSUPP' };
  // The timespec is checked by the syscall, before the clock's own checks.
  if (!timespecValid(value)) return { err: 'EINVAL' };
  if (kind === 'alarm') {
    if (!k.env.rtc) return { err: 'EOPNOTSUPP' };
    if (!capCapable(me.cred, k.initUserNs, capBit('CAP_WAKE_ALARM'))) return { err: 'EPERM' };
  }
  if (kind === 'cpu' && clk < 0) {
    const err = negativeKclock(clk).nsleep!(k, me, clk);
    if (err !== null) return { err };
  }
  const t = timespecToKtime(value);
  const cb = k.hrtimers;
  if (kind === 'cpu') {
    // No CPU time reaches a sleeper: only a target already reached returns.
    if (abs ? t <= (clk < 0 ? cpuClockSample(k, clk) : cb.now[BASE_CPU]) : t === 0n) return { ret: 0 };
    const sleeper = hrtimerInit(sleeperFn(k, me), BASE_CPU);
    sleeper.expires = t;
    return blockTask(me, call, clk, sleeper, !abs, null);
  }
  const base = clockBase(clk, abs);
  const expires = abs ? timensKtimeToHost(k, me.nsproxy!.timeNs, clk, t) : ktimeAddSafe(cb.now[base], t);
  if (expires <= cb.now[base]) return { ret: 0 };
  const sleeper = hrtimerInit(sleeperFn(k, me), base);
  const obs = blockTask(me, call, clk, sleeper, !abs, null);
  hrtimerStart(cb, sleeper, expires, base);
  return obs;
}

/** nanosleep(): a relative CLOCK_MONOTONIC sleep. */
export function sysNanosleep(k: Kernel, me: Task, value: Timespec): Observation {
  if (!timespecValid(value)) return { err: 'EINVAL' };
  return sysClockNanosleep(k, me, 1, false, value, 'nanosleep');
}
