// timer_create on raw negative clock ids: the CPU clocks of a pid (kernel/time/posix-cpu-timers.c,
// pid_for_clock: ~pid << 3 | per-thread bit 4 | PROF 0, VIRT 1, SCHED 2; 3 is CPUCLOCK_MAX) and the
// ids of clock fds (id & 7 == 3, clockid_to_kclock: clock_posix_dynamic, which has no timer_create).
// Only pid 0 (the caller) and a pid that cannot exist give the same answer on every machine. Measured on
// Linux 6.18 (`timens run FILE --side kernel`); cpu-clock-ids.test.ts checks them on the kernel again.
import type { Observation, Program } from '../../vocab/index.ts';

/** A pid above PID_MAX_LIMIT (4194304): no task ever has it. */
export const NO_SUCH_PID = 5_000_000;
export const cpuClockId = (pid: number, thread: boolean, which: number) => (~pid << 3) | (thread ? 4 : 0) | which;

export const CPU_CLOCK_IDS: [string, number, Observation['err'] | 'ok'][] = [
  ['own process, PROF', cpuClockId(0, false, 0), 'ok'],
  ['own process, VIRT', cpuClockId(0, false, 1), 'ok'],
  ['own process, SCHED', cpuClockId(0, false, 2), 'ok'],
  ['own thread, PROF', cpuClockId(0, true, 0), 'ok'],
  ['own thread, VIRT', cpuClockId(0, true, 1), 'ok'],
  ['own thread, SCHED', cpuClockId(0, true, 2), 'ok'],
  ['own thread, CPUCLOCK_MAX', cpuClockId(0, true, 3), 'EINVAL'],
  ['a clock fd (3)', cpuClockId(0, false, 3), 'EOPNOTSUPP'],
  ['a clock fd (fd 1)', cpuClockId(1, false, 3), 'EOPNOTSUPP'],
  ['no such process', cpuClockId(NO_SUCH_PID, false, 2), 'EINVAL'],
  ['no such thread', cpuClockId(NO_SUCH_PID, true, 2), 'EINVAL'],
  ['a clock fd past the pid range', cpuClockId(NO_SUCH_PID, false, 3), 'EOPNOTSUPP'],
  ['CPUCLOCK_MAX past the pid range', cpuClockId(NO_SUCH_PID, true, 3), 'EINVAL'],
];

export const CPU_CLOCK_IDS_PROGRAM: Program = {
  format: 1, kernel: 'current', env: { seed: 'cpu-clock-ids' },
  steps: CPU_CLOCK_IDS.map(([, clock], i) => ({ task: 't0', call: 'timer_create', clock, notify: i % 2 ? 'signal' : 'none', timer: `k${i}` })),
};

/** What each step of CPU_CLOCK_IDS_PROGRAM must observe. */
export const CPU_CLOCK_IDS_EXPECTED: Observation[] = CPU_CLOCK_IDS.map(([, , r], i) => (r === 'ok' ? { ret: 0, handle: `k${i}` } : { err: r }));
