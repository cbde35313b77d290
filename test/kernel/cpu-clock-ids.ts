// Raw CPU clock ids on every call that takes a clock. A negative id is a CPU clock of a pid
// (kernel/time/posix-cpu-timers.c, pid_for_clock: ~pid << 3 | per-thread bit 4 | PROF 0, VIRT 1, SCHED 2;
// 3 is CPUCLOCK_MAX) or, when id & 7 == 3, a clock fd (clockid_to_kclock: clock_posix_dynamic of
// kernel/time/posix-clock.c, which has no timer_create and no nsleep). Only pid 0 (the caller), a pid that
// cannot exist, and fds that are no posix clock give the same answer on every machine. Measured on Linux
// 6.18 (`timens run FILE --side kernel`); cpu-clock-ids.test.ts checks them on the kernel again, and
// test/model/cpu-clock-ids.test.ts on the model and impl.
import { CPUCLOCK, NO_SUCH_PID, cpuClockId, type Errno, type Observation, type Program, type Step } from '../../vocab/index.ts';

export { NO_SUCH_PID, cpuClockId };

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

/** A clock reading ('value': any time >= 0), a resolution ('tick': what CLOCK_REALTIME_COARSE gives, 1 ns),
 *  a sleep that returns (0) or blocks ('pending'), or an errno. */
type Answer = 'value' | 'tick' | '1' | 0 | 'pending' | Errno;

/**
 * Each id on every other call, measured on 6.18 (a fresh child per id, so that a sleep that blocks
 * holds up nothing else): clock_gettime and clock_getres through the syscall and the vDSO (which takes
 * no negative id and falls back to the syscall), timerfd_create, and clock_nanosleep with a bad
 * timespec, relative 0, absolute 0 and an hour (absolute and relative). The CPU clocks' resolution is
 * 1 ns for SCHED, (NSEC_PER_SEC + HZ - 1) / HZ for the others (posix_cpu_clock_getres): 4 ms here,
 * which is TICK_NSEC too. An hour of CPU time is never reached; a thread clock of the caller is
 * refused by posix_cpu_nsleep before anything else.
 */
export const CPU_CLOCK_CALLS: { name: string; clock: number; gettime: Answer; getres: Answer; timerfd: Answer; nsleep: [Answer, Answer, Answer, Answer, Answer] }[] = [
  { name: 'own process, PROF', clock: cpuClockId(0, false, CPUCLOCK.PROF), gettime: 'value', getres: 'tick', timerfd: 'EINVAL', nsleep: ['EINVAL', 0, 0, 'pending', 'pending'] },
  { name: 'own process, VIRT', clock: cpuClockId(0, false, CPUCLOCK.VIRT), gettime: 'value', getres: 'tick', timerfd: 'EINVAL', nsleep: ['EINVAL', 0, 0, 'pending', 'pending'] },
  { name: 'own process, SCHED', clock: cpuClockId(0, false, CPUCLOCK.SCHED), gettime: 'value', getres: '1', timerfd: 'EINVAL', nsleep: ['EINVAL', 0, 0, 'pending', 'pending'] },
  { name: 'own thread, PROF', clock: cpuClockId(0, true, CPUCLOCK.PROF), gettime: 'value', getres: 'tick', timerfd: 'EINVAL', nsleep: ['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL'] },
  { name: 'own thread, VIRT', clock: cpuClockId(0, true, CPUCLOCK.VIRT), gettime: 'value', getres: 'tick', timerfd: 'EINVAL', nsleep: ['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL'] },
  { name: 'own thread, SCHED', clock: cpuClockId(0, true, CPUCLOCK.SCHED), gettime: 'value', getres: '1', timerfd: 'EINVAL', nsleep: ['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL'] },
  { name: 'own thread, CPUCLOCK_MAX', clock: cpuClockId(0, true, CPUCLOCK.MAX), gettime: 'EINVAL', getres: 'EINVAL', timerfd: 'EINVAL', nsleep: ['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL'] },
  { name: 'clock fd 0', clock: cpuClockId(0, false, CPUCLOCK.CLOCKFD), gettime: 'EINVAL', getres: 'EINVAL', timerfd: 'EINVAL', nsleep: ['EOPNOTSUPP', 'EOPNOTSUPP', 'EOPNOTSUPP', 'EOPNOTSUPP', 'EOPNOTSUPP'] },
  { name: 'clock fd 1', clock: cpuClockId(1, false, CPUCLOCK.CLOCKFD), gettime: 'EINVAL', getres: 'EINVAL', timerfd: 'EINVAL', nsleep: ['EOPNOTSUPP', 'EOPNOTSUPP', 'EOPNOTSUPP', 'EOPNOTSUPP', 'EOPNOTSUPP'] },
  { name: 'no such process, SCHED', clock: cpuClockId(NO_SUCH_PID, false, CPUCLOCK.SCHED), gettime: 'EINVAL', getres: 'EINVAL', timerfd: 'EINVAL', nsleep: ['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL'] },
  { name: 'no such process, PROF', clock: cpuClockId(NO_SUCH_PID, false, CPUCLOCK.PROF), gettime: 'EINVAL', getres: 'EINVAL', timerfd: 'EINVAL', nsleep: ['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL'] },
  { name: 'no such thread, SCHED', clock: cpuClockId(NO_SUCH_PID, true, CPUCLOCK.SCHED), gettime: 'EINVAL', getres: 'EINVAL', timerfd: 'EINVAL', nsleep: ['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL'] },
  { name: 'a clock fd past any fd', clock: cpuClockId(NO_SUCH_PID, false, CPUCLOCK.CLOCKFD), gettime: 'EINVAL', getres: 'EINVAL', timerfd: 'EINVAL', nsleep: ['EOPNOTSUPP', 'EOPNOTSUPP', 'EOPNOTSUPP', 'EOPNOTSUPP', 'EOPNOTSUPP'] },
  { name: 'CPUCLOCK_MAX past the pid range', clock: cpuClockId(NO_SUCH_PID, true, CPUCLOCK.MAX), gettime: 'EINVAL', getres: 'EINVAL', timerfd: 'EINVAL', nsleep: ['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL'] },
];

const HOUR = { sec: '3600', nsec: 0 };
const SLEEPS = [
  { abs: false, value: { sec: '-1', nsec: 0 } }, { abs: false, value: { sec: '0', nsec: 0 } },
  { abs: true, value: { sec: '0', nsec: 0 } }, { abs: true, value: HOUR }, { abs: false, value: HOUR },
];

/** t0 reads CLOCK_REALTIME_COARSE's resolution (the tick), then each id gets a fork child of its own. */
export const CPU_CLOCK_CALLS_PROGRAM: Program = {
  format: 1, kernel: 'current', env: { seed: 'cpu-clock-calls' },
  steps: [
    { task: 't0', call: 'clock_getres', clock: 'CLOCK_REALTIME_COARSE', vdso: false },
    ...CPU_CLOCK_CALLS.flatMap(({ clock }, i): Step[] => {
      const task = `t${i + 1}`;
      return [
        { task: 't0', call: 'fork', child: task },
        { task, call: 'clock_gettime', clock, vdso: false },
        { task, call: 'clock_gettime', clock, vdso: true },
        { task, call: 'clock_getres', clock, vdso: false },
        { task, call: 'clock_getres', clock, vdso: true },
        { task, call: 'timerfd_create', clock, nonblock: true, fd: `f${i}` },
        ...SLEEPS.map(({ abs, value }): Step => ({ task, call: 'clock_nanosleep', clock, abs, value })),
      ];
    }),
  ],
};

/** The observations of CPU_CLOCK_CALLS_PROGRAM in the table's terms (a fork: 'fork'), or why they are not. */
export function callAnswers(obs: Observation[]): (Answer | 'fork' | 'blocked' | string)[] {
  const tick = obs[0].time;
  const per = 11;
  const out: (Answer | 'fork' | string)[] = [];
  CPU_CLOCK_CALLS.forEach((_, i) => {
    const o = obs.slice(1 + i * per, 1 + (i + 1) * per);
    const err = (x: Observation) => x.err ?? JSON.stringify(x);
    out.push(o[0].ret === 0 ? 'fork' : JSON.stringify(o[0]));
    for (const x of o.slice(1, 3)) out.push(x.ret === 0 && x.time !== undefined && BigInt(x.time) >= 0n ? 'value' : err(x));
    for (const x of o.slice(3, 5)) out.push(x.ret === 0 ? (x.time === tick ? 'tick' : x.time === '1' ? '1' : JSON.stringify(x)) : err(x));
    out.push(err(o[5]));
    // After a sleep that blocks, the child's last step finds it blocked.
    for (const x of o.slice(6)) out.push(x.pending ? 'pending' : x.blocked ? 'blocked' : x.ret === 0 && x.time === undefined ? 0 : err(x));
  });
  return out;
}

/** What callAnswers must give for CPU_CLOCK_CALLS_PROGRAM. */
export const CPU_CLOCK_CALLS_EXPECTED = CPU_CLOCK_CALLS.flatMap((c) => {
  const sleeps: (Answer | 'blocked')[] = [...c.nsleep];
  if (sleeps[3] === 'pending') sleeps[4] = 'blocked';
  return ['fork', c.gettime, c.gettime, c.getres, c.getres, c.timerfd, ...sleeps];
});
