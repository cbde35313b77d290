// The k_clocks behind negative clock ids (kernel/time/posix-timers.c, clockid_to_kclock): the CPU clocks
// of a pid (clock_posix_cpu, kernel/time/posix-cpu-timers.c) and the posix clocks of fds
// (clock_posix_dynamic, kernel/time/posix-clock.c). A CPU clock is never namespaced.
import { NSEC_PER_SEC, type Errno } from '../vocab/index.ts';
import type { Kernel, Task } from './sched.ts';

/** include/linux/posix-timers_types.h */
const CPUCLOCK_PERTHREAD_MASK = 4;
const CPUCLOCK_CLOCK_MASK = 3;
const CPUCLOCK_VIRT = 1;
const CPUCLOCK_SCHED = 2;
const CPUCLOCK_MAX = 3;
const CLOCKFD = CPUCLOCK_MAX;
const CLOCKFD_MASK = CPUCLOCK_PERTHREAD_MASK | CPUCLOCK_CLOCK_MASK;

const CPUCLOCK_PID = (clk: number) => ~(clk >> 3);
const CPUCLOCK_PERTHREAD = (clk: number) => (clk & CPUCLOCK_PERTHREAD_MASK) !== 0;
const CPUCLOCK_WHICH = (clk: number) => clk & CPUCLOCK_CLOCK_MASK;

/** The operations a negative id's k_clock has; a missing one is EOPNOTSUPP (or EINVAL for clock_set). */
export interface KClock {
  clockGet(k: Kernel, me: Task, clk: number): bigint | Errno;
  clockGetres(k: Kernel, me: Task, clk: number): bigint | Errno;
  clockSet(k: Kernel, me: Task, clk: number): Errno;
  /** Checks the id for a new timer; null when the k_clock has no timers. */
  timerCreate: ((k: Kernel, me: Task, clk: number) => Errno | null) | null;
  /** Checks the id for a sleep (before it is armed); null when the k_clock has no nsleep. */
  nsleep: ((k: Kernel, me: Task, clk: number) => Errno | null) | null;
}

/**
 * pid_for_clock(): the task whose clock the id names. Pid 0 is the caller's thread or its process; any
 * other pid must be attached to a task (until release_task: a zombie keeps it): a thread of the caller's
 * process for a thread clock, a process's leader (PIDTYPE_TGID) for a process clock, or for
 * clock_gettime the caller itself by its tid.
 */
export function pidForClock(k: Kernel, me: Task, clk: number, gettime: boolean): Task | null {
  if (CPUCLOCK_WHICH(clk) >= CPUCLOCK_MAX) return null;
  const upid = CPUCLOCK_PID(clk);
  if (upid === 0) return CPUCLOCK_PERTHREAD(clk) ? me : me.group.leader;
  const t = k.pidHash.get(upid);
  if (t === undefined) return null;
  if (CPUCLOCK_PERTHREAD(clk)) return t.group === me.group ? t : null;
  if (gettime && t === me) return me.group.leader;
  return t.group.leader === t ? t : null;
}

/** cpu_clock_sample() / cpu_clock_sample_group(): the harness's CPU time is all system time, one figure
 *  for every task, so PROF (utime + stime) and SCHED (sum_exec_runtime) read it and VIRT (utime) 0. */
export function cpuClockSample(k: Kernel, clk: number): bigint {
  return CPUCLOCK_WHICH(clk) === CPUCLOCK_VIRT ? 0n : k.host.cputime;
}

export const clockPosixCpu: KClock = {
  // posix_cpu_clock_get()
  clockGet(k, me, clk) {
    return pidForClock(k, me, clk, true) === null ? 'EINVAL' : cpuClockSample(k, clk);
  },
  // posix_cpu_clock_getres(): validate_clock_permissions(), then one jiffy rounded up, 1 ns for SCHED.
  clockGetres(k, me, clk) {
    if (pidForClock(k, me, clk, false) === null) return 'EINVAL';
    if (CPUCLOCK_WHICH(clk) === CPUCLOCK_SCHED) return 1n;
    const hz = (NSEC_PER_SEC + k.env.tickNs / 2n) / k.env.tickNs; // the HZ whose TICK_NSEC this is
    return (NSEC_PER_SEC + hz - 1n) / hz;
  },
  // posix_cpu_clock_set(): "You can never reset a CPU clock, but we check for other errors".
  clockSet(k, me, clk) {
    return pidForClock(k, me, clk, false) === null ? 'EINVAL' : 'EPERM';
  },
  // posix_cpu_timer_create()
  timerCreate(k, me, clk) {
    return pidForClock(k, me, clk, false) === null ? 'EINVAL' : null;
  },
  // posix_cpu_nsleep(): a thread clock of the caller never advances while it sleeps; then
  // do_cpu_nanosleep() -> posix_cpu_timer_create().
  nsleep(k, me, clk) {
    const pid = CPUCLOCK_PID(clk);
    if (CPUCLOCK_PERTHREAD(clk) && (pid === 0 || pid === me.pid)) return 'EINVAL';
    return pidForClock(k, me, clk, false) === null ? 'EINVAL' : null;
  },
};

/** get_clock_desc(): fget() finds no file, or one that is not a posix clock's (no program opens one). */
const getClockDesc = (): Errno => 'EINVAL';

export const clockPosixDynamic: KClock = {
  clockGet: getClockDesc,
  clockGetres: getClockDesc,
  // pc_clock_settime(): timespec64_valid_strict(), then get_clock_desc(): EINVAL either way.
  clockSet: getClockDesc,
  timerCreate: null,
  nsleep: null,
};

/** clockid_to_kclock() of a negative id. */
export function negativeKclock(clk: number): KClock {
  return (clk & CLOCKFD_MASK) === CLOCKFD ? clockPosixDynamic : clockPosixCpu;
}
