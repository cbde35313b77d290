// Clocks (kernel/time/posix-timers.c, posix-cpu-timers.c, alarmtimer.c; lib/vdso/gettimeofday.c).
// A read in a time namespace returns the host value plus that namespace's offset for the clocks
// that have one, using the calling thread's time_ns. The vDSO and the syscall agree on every value,
// so `vdso` decides nothing here (the vDSO takes no negative id: it falls back to the syscall). Resolutions
// are never namespaced. Negative ids are clock fds and CPU clocks of a pid (cpuclocks.ts).
import { CLOCKS, KTIME_SEC_MAX, NSEC_PER_SEC, type ClockRef, type HostClocks, type Observation } from '../vocab/index.ts';
import { cpuClockRes, cpuClockSample, isClockFd, pidForClock } from './cpuclocks.ts';
import { capable } from './creds.ts';
import { floorSec } from './offsets.ts';
import { nsToNanos, type ModelState, type Task } from './state.ts';

function clockId(ref: ClockRef): number {
  return typeof ref === 'string' ? CLOCKS[ref] : ref;
}

// clock_gettime -> k_clock.clock_get_timespec, then timens_add_monotonic / timens_add_boottime.
export function sysClockGettime(s: ModelState, t: Task, ref: ClockRef, host: HostClocks): Observation {
  const mono = nsToNanos(t.timeNs!.monotonic);
  const boot = nsToNanos(t.timeNs!.boottime);
  const value = (v: bigint): Observation => ({ ret: 0, time: String(v) });
  const id = clockId(ref);
  // pc_clock_gettime -> get_clock_desc: no fd a program can hold is a posix clock's.
  if (isClockFd(id)) return { err: 'EINVAL' };
  // posix_cpu_clock_get: pid_for_clock(clock, true), then a sample, never shifted.
  if (id < 0) return pidForClock(s, t, id, true) ? value(cpuClockSample(id, host)) : { err: 'EINVAL' };
  switch (id) {
    case CLOCKS.CLOCK_REALTIME: return value(host.realtime);
    case CLOCKS.CLOCK_MONOTONIC: return value(host.monotonic + mono);
    case CLOCKS.CLOCK_PROCESS_CPUTIME_ID: return value(host.cputime);
    case CLOCKS.CLOCK_THREAD_CPUTIME_ID: return value(host.cputime);
    case CLOCKS.CLOCK_MONOTONIC_RAW: return value(host.monotonicRaw + mono);
    case CLOCKS.CLOCK_REALTIME_COARSE: return value(host.realtimeCoarse);
    case CLOCKS.CLOCK_MONOTONIC_COARSE: return value(host.monotonicCoarse + mono);
    case CLOCKS.CLOCK_BOOTTIME: return value(host.boottime + boot);
    // alarm_clock_get_timespec: no RTC device, no alarm clocks.
    case CLOCKS.CLOCK_REALTIME_ALARM: return s.env.rtc ? value(host.realtime) : { err: 'EINVAL' };
    case CLOCKS.CLOCK_BOOTTIME_ALARM: return s.env.rtc ? value(host.boottime + boot) : { err: 'EINVAL' };
    case CLOCKS.CLOCK_TAI: return value(host.tai);
    default: return { err: 'EINVAL' };
  }
}

// gettimeofday -> ktime_get_real_ts64, to the microsecond; the vDSO reads the same clock. Realtime is
// never shifted by a time namespace.
export function sysGettimeofday(host: HostClocks): Observation {
  return { ret: 0, time: String((host.realtime / 1000n) * 1000n) };
}

// time -> ktime_get_real_seconds: xtime_sec, which moves at ticks (the coarse wall clock's seconds, rounded
// down as the tv_sec of a normalised timespec); the vDSO reads the same seconds. Never shifted.
export function sysTime(host: HostClocks): Observation {
  return { ret: 0, time: String(floorSec(host.realtimeCoarse) * NSEC_PER_SEC) };
}

// times -> do_sys_times, then jiffies_64_to_clock_t(get_jiffies_64()): the tick count, never shifted.
// The harness's CPU time is the caller's process's, all of it system time, and no child reports any
// to its parent (docs/conventions.md, "Host time").
export function sysTimes(host: HostClocks): Observation {
  const stime = Number(host.cputime / 10_000_000n);
  return { ret: Number(host.clockTicks), tms: { utime: 0, stime, cutime: 0, cstime: 0 } };
}

// clock_getres: hrtimer_resolution (1 ns, high-res timers) for the fine clocks, 1 ns for the CPU
// clocks (CPUCLOCK_SCHED), TICK_NSEC for the coarse ones (probed on 6.18). Negative ids: pc_clock_getres
// (get_clock_desc: EINVAL, as for gettime), posix_cpu_clock_getres (pid_for_clock(clock, false)).
export function sysClockGetres(s: ModelState, t: Task, ref: ClockRef): Observation {
  const id = clockId(ref);
  if (isClockFd(id)) return { err: 'EINVAL' };
  if (id < 0) return pidForClock(s, t, id, false) ? { ret: 0, time: String(cpuClockRes(s, id)) } : { err: 'EINVAL' };
  switch (id) {
    case CLOCKS.CLOCK_REALTIME:
    case CLOCKS.CLOCK_MONOTONIC:
    case CLOCKS.CLOCK_PROCESS_CPUTIME_ID:
    case CLOCKS.CLOCK_THREAD_CPUTIME_ID:
    case CLOCKS.CLOCK_MONOTONIC_RAW:
    case CLOCKS.CLOCK_BOOTTIME:
    case CLOCKS.CLOCK_TAI:
      return { ret: 0, time: '1' };
    case CLOCKS.CLOCK_REALTIME_COARSE:
    case CLOCKS.CLOCK_MONOTONIC_COARSE:
      return { ret: 0, time: String(s.env.tickNs) };
    case CLOCKS.CLOCK_REALTIME_ALARM:
    case CLOCKS.CLOCK_BOOTTIME_ALARM:
      return s.env.rtc ? { ret: 0, time: '1' } : { err: 'EINVAL' };
    default:
      return { err: 'EINVAL' };
  }
}

/** TIME_SETTOD_SEC_MAX: KTIME_SEC_MAX less 30 years of uptime (include/linux/time64.h). */
const TIME_SETTOD_SEC_MAX = KTIME_SEC_MAX - 30n * 365n * 24n * 3600n;

// clock_settime: only CLOCK_REALTIME has a clock_set among the named clocks (the CPU clocks' k_clock
// clock_process/clock_thread has none: EINVAL, probed on 6.18). posix_clock_realtime_set ->
// do_sys_settimeofday64 (timespec64_valid_settod, then security_settime64 -> capable(CAP_SYS_TIME))
// -> do_settimeofday64 (EINVAL when the new time would precede the monotonic clock). A clock fd:
// pc_clock_settime (timespec64_valid_strict, then get_clock_desc: EINVAL either way). A CPU clock of a
// pid: posix_cpu_clock_set validates the id (pid_for_clock(clock, false): EINVAL), then refuses any
// value with EPERM. (Not measured: the executor refuses every negative id but -1 before the syscall.)
export function sysClockSettime(s: ModelState, t: Task, ref: ClockRef, secText: string, nsec: number, host: HostClocks): Observation {
  const id = clockId(ref);
  if (isClockFd(id)) return { err: 'EINVAL' };
  if (id < 0) return pidForClock(s, t, id, false) ? { err: 'EPERM' } : { err: 'EINVAL' };
  if (id !== CLOCKS.CLOCK_REALTIME) return { err: 'EINVAL' };
  const sec = BigInt(secText);
  if (sec < 0n || !Number.isInteger(nsec) || nsec < 0 || nsec >= 1e9) return { err: 'EINVAL' };
  if (sec >= TIME_SETTOD_SEC_MAX) return { err: 'EINVAL' };
  if (!capable(t.creds, s.initUserNs, 'CAP_SYS_TIME')) return { err: 'EPERM' };
  if (host.monotonic > sec * NSEC_PER_SEC + BigInt(nsec)) return { err: 'EINVAL' };
  return { ret: 0 };
}
