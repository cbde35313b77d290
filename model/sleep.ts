// Sleeps: clock_nanosleep (kernel/time/posix-timers.c, common_nsleep / common_nsleep_timens,
// alarm_timer_nsleep, posix_cpu_nsleep), nanosleep (hrtimer_nanosleep on CLOCK_MONOTONIC) and
// futex_wait with an absolute timeout (kernel/futex: futex_init_timeout, futex_wait). A call whose
// target is already reached returns at once; otherwise the task blocks until host time reaches the
// expiry, a clock set reaches it (realtime), or a signal with a handler interrupts it.
import { CLOCKS, type ClockRef, type HostClocks, type Observation, type Timespec } from '../vocab/index.ts';
import { cpuClockPerthread, cpuClockPid, cpuClockSample, isClockFd, pidForClock } from './cpuclocks.ts';
import { capable } from './creds.ts';
import {
  baseNow, baseOf, blockTask, clockId, completeWait, isAlarm, ktimeAddSafe, ktimeToHost, nextArm, timespecToKtime,
  timespecValid, validClock,
} from './ktime.ts';
import type { ModelState, Task } from './state.ts';

const NO_NSLEEP = [CLOCKS.CLOCK_THREAD_CPUTIME_ID, CLOCKS.CLOCK_MONOTONIC_RAW, CLOCKS.CLOCK_REALTIME_COARSE, CLOCKS.CLOCK_MONOTONIC_COARSE] as number[];

// hrtimer_nanosleep / alarmtimer_do_nsleep: return at once when the expiry is reached, else block.
function nsleep(s: ModelState, t: Task, call: 'clock_nanosleep' | 'nanosleep', id: number, abs: boolean, val: bigint, host: HostClocks): Observation {
  const base = baseOf(id, abs);
  const expires = abs ? ktimeToHost(id, val, t.timeNs!) : ktimeAddSafe(val, baseNow(host, base));
  if (expires <= baseNow(host, base)) return { ret: 0 };
  return blockTask(t, { call, clock: id, base, expires, relative: !abs, requested: val, timerfd: null, armSeq: nextArm(s) });
}

// do_cpu_nanosleep on a process CPU clock: the harness gives sleepers no CPU time, so only a target
// already reached (or a relative 0) returns; anything else waits for a signal.
function cpuNsleep(s: ModelState, t: Task, id: number, abs: boolean, val: bigint, host: HostClocks): Observation {
  if (abs ? val <= cpuClockSample(id, host) : val === 0n) return { ret: 0 };
  return blockTask(t, {
    call: 'clock_nanosleep', clock: id, base: null, expires: null, relative: !abs, requested: val, timerfd: null,
    armSeq: nextArm(s),
  });
}

// SYSCALL clock_nanosleep: EINVAL (no such clock), EOPNOTSUPP (no nsleep: a clock fd has none), EINVAL
// (bad timespec), then the clock's nsleep: alarm clocks need an RTC (EOPNOTSUPP) and CAP_WAKE_ALARM
// (EPERM). The thread CPU clock has no nsleep at all (EOPNOTSUPP from the raw syscall on 6.18; glibc
// answers EINVAL itself). posix_cpu_nsleep refuses a thread clock of the caller itself (pid 0 or its own
// tid: it would never advance while it sleeps), then do_cpu_nanosleep -> posix_cpu_timer_create needs
// pid_for_clock(clock, false); both EINVAL.
export function sysClockNanosleep(s: ModelState, t: Task, ref: ClockRef, abs: boolean, value: Timespec, host: HostClocks): Observation {
  const id = clockId(ref);
  if (!validClock(id)) return { err: 'EINVAL' };
  if (NO_NSLEEP.includes(id) || isClockFd(id)) return { err: 'EOPNOTSUPP' };
  if (!timespecValid(value)) return { err: 'EINVAL' };
  if (isAlarm(id)) {
    if (!s.env.rtc) return { err: 'EOPNOTSUPP' };
    if (!capable(t.creds, s.initUserNs, 'CAP_WAKE_ALARM')) return { err: 'EPERM' };
  }
  const val = timespecToKtime(value);
  if (id < 0) {
    const pid = cpuClockPid(id);
    if (cpuClockPerthread(id) && (pid === 0 || pid === t.pid)) return { err: 'EINVAL' };
    if (!pidForClock(s, t, id, false)) return { err: 'EINVAL' };
    return cpuNsleep(s, t, id, abs, val, host);
  }
  if (id === CLOCKS.CLOCK_PROCESS_CPUTIME_ID) return cpuNsleep(s, t, id, abs, val, host);
  return nsleep(s, t, 'clock_nanosleep', id, abs, val, host);
}

// SYSCALL nanosleep: EINVAL for a bad timespec, then a relative CLOCK_MONOTONIC sleep.
export function sysNanosleep(s: ModelState, t: Task, value: Timespec, host: HostClocks): Observation {
  if (!timespecValid(value)) return { err: 'EINVAL' };
  return nsleep(s, t, 'nanosleep', CLOCKS.CLOCK_MONOTONIC, false, timespecToKtime(value), host);
}

// futex_init_timeout: EINVAL for a bad timespec; an absolute FUTEX_WAIT_BITSET timeout is MONOTONIC and
// converted, or REALTIME with FUTEX_CLOCK_REALTIME and left alone. futex_wait: the word holds the value,
// so the task waits; a timeout already passed gives ETIMEDOUT without sleeping.
export function sysFutexWait(s: ModelState, t: Task, realtime: boolean, value: Timespec, host: HostClocks): Observation {
  if (!timespecValid(value)) return { err: 'EINVAL' };
  const id = realtime ? CLOCKS.CLOCK_REALTIME : CLOCKS.CLOCK_MONOTONIC;
  const base = baseOf(id, true);
  const expires = ktimeToHost(id, timespecToKtime(value), t.timeNs!);
  if (expires <= baseNow(host, base)) return { err: 'ETIMEDOUT' };
  return blockTask(t, {
    call: 'futex_wait', clock: id, base, expires, relative: false, requested: 0n, timerfd: null, armSeq: nextArm(s),
  });
}

/** The sleep or futex wait of t reached its expiry. */
export function sleepExpired(s: ModelState, t: Task): void {
  completeWait(s, t, t.wait!.call === 'futex_wait' ? { err: 'ETIMEDOUT' } : { ret: 0 });
}

// A signal with a handler, no SA_RESTART: -ERESTART_RESTARTBLOCK / -ERESTARTSYS become EINTR. Only a
// relative sleep writes back what was left (do_nanosleep: host expiry - host now).
export function waitInterrupted(s: ModelState, t: Task, host: HostClocks): void {
  const w = t.wait!;
  if (!w.relative || (w.call !== 'clock_nanosleep' && w.call !== 'nanosleep')) {
    completeWait(s, t, { err: 'EINTR' });
    return;
  }
  const left = w.expires === null ? w.requested : w.expires - baseNow(host, w.base);
  completeWait(s, t, { err: 'EINTR', time: String(left < 0n ? 0n : left) });
}
