// Negative clock ids (kernel/time/posix-timers.c, clockid_to_kclock): a clock fd when the low three bits
// are CLOCKFD (clock_posix_dynamic, kernel/time/posix-clock.c), else a CPU clock of a pid
// (clock_posix_cpu, kernel/time/posix-cpu-timers.c). Every call that takes a clock asks here for them.
// CPU clocks are never shifted by a time namespace: timens_add_* and timens_ktime_to_host know only
// MONOTONIC and BOOTTIME.
import { CPUCLOCK, NSEC_PER_SEC, type HostClocks } from '../vocab/index.ts';
import { taskByPid, type ModelState, type Task } from './state.ts';

/** clockid_to_kclock of a negative id: (id & CLOCKFD_MASK) == CLOCKFD names a clock fd. */
export const isClockFd = (id: number): boolean => id < 0 && (id & CPUCLOCK.CLOCKFD_MASK) === CPUCLOCK.CLOCKFD;
export const isRawCpuClock = (id: number): boolean => id < 0 && !isClockFd(id);

/** CPUCLOCK_PID, CPUCLOCK_PERTHREAD, CPUCLOCK_WHICH. */
export const cpuClockPid = (id: number): number => ~(id >> 3);
export const cpuClockPerthread = (id: number): boolean => (id & CPUCLOCK.PERTHREAD_MASK) !== 0;
export const cpuClockWhich = (id: number): number => id & CPUCLOCK.CLOCK_MASK;

/**
 * pid_for_clock: whether the id names a clock, one of CPUCLOCK_PROF, VIRT, SCHED of pid 0 (the caller's
 * thread, or its process) or of a pid that has a task: for a thread clock a thread of the caller's
 * process, for a process clock the leader of a process (or, reading the time, the caller by its tid). A
 * task keeps its pid until it is reaped, so a zombie's clocks are still there.
 */
export function pidForClock(s: ModelState, t: Task, id: number, gettime: boolean): boolean {
  if (cpuClockWhich(id) >= CPUCLOCK.MAX) return false;
  const pid = cpuClockPid(id);
  if (pid === 0) return true;
  const p = taskByPid(s, pid);
  if (!p) return false;
  if (cpuClockPerthread(id)) return p.tgid === t.tgid;
  if (gettime && p === t) return true;
  return p.pid === p.tgid;
}

/**
 * cpu_clock_sample / cpu_clock_sample_group. The harness's CPU time is all system time and the same
 * for every thread and process (docs/conventions.md, "Host time"): PROF (user + system) and SCHED read
 * it, VIRT (user time) reads 0. CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID are SCHED.
 */
export function cpuClockSample(id: number, host: HostClocks): bigint {
  return id < 0 && cpuClockWhich(id) === CPUCLOCK.VIRT ? 0n : host.cputime;
}

/** posix_cpu_clock_getres: 1 ns for SCHED, else a jiffy rounded up, (NSEC_PER_SEC + HZ - 1) / HZ, with HZ
 *  the one whose TICK_NSEC is the environment's tick. */
export function cpuClockRes(s: ModelState, id: number): bigint {
  if (cpuClockWhich(id) === CPUCLOCK.SCHED) return 1n;
  const hz = (NSEC_PER_SEC + s.env.tickNs / 2n) / s.env.tickNs;
  return (NSEC_PER_SEC + hz - 1n) / hz;
}
