// Raw CPU clock ids on the model and impl alike. The ids that mean the same on every machine are checked
// against the kernel's answers (test/kernel/cpu-clock-ids.ts); clock_settime, which the executor never lets
// reach the kernel, and the ids naming another task's pid follow kernel/time/posix-cpu-timers.c:
// posix_cpu_clock_set answers EPERM for every id pid_for_clock() accepts, and pid_for_clock() takes for a
// thread clock a thread of the caller's process, for a process clock a pid that leads a process.
import { describe, expect, it } from 'vitest';
import { Stepper } from '../../harness/run.ts';
import { createImpl } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import type { BackendFactory, Observation, Step } from '../../vocab/index.ts';
import {
  CPU_CLOCK_CALLS, CPU_CLOCK_CALLS_EXPECTED, CPU_CLOCK_CALLS_PROGRAM, CPU_CLOCK_IDS_EXPECTED, CPU_CLOCK_IDS_PROGRAM, callAnswers,
  cpuClockId,
} from '../kernel/cpu-clock-ids.ts';

const SIDES: [string, BackendFactory][] = [['model', createModel], ['impl', createImpl]];

describe.each(SIDES)('raw CPU clock ids on the %s', (_name, factory) => {
  it('timer_create: the ids measured on the kernel', () => {
    const s = new Stepper(CPU_CLOCK_IDS_PROGRAM.env, factory);
    expect(CPU_CLOCK_IDS_PROGRAM.steps.map((st) => s.step(st).obs)).toEqual(CPU_CLOCK_IDS_EXPECTED);
  });

  it('clock_gettime, clock_getres, timerfd_create, clock_nanosleep: the ids measured on the kernel', () => {
    const s = new Stepper(CPU_CLOCK_CALLS_PROGRAM.env, factory);
    expect(callAnswers(CPU_CLOCK_CALLS_PROGRAM.steps.map((st) => s.step(st).obs))).toEqual(CPU_CLOCK_CALLS_EXPECTED);
  });

  it('clock_settime: EPERM for a CPU clock that exists, EINVAL for one that does not and for a clock fd', () => {
    const s = new Stepper({ seed: 'cpu-clock-settime' }, factory);
    const settime = (clock: number) => s.step({ task: 't0', call: 'clock_settime', clock, sec: '1', nsec: 0 }).obs;
    // Which ids name a clock is the kernel's answer to clock_gettime in the measured table.
    for (const { name, clock, gettime } of CPU_CLOCK_CALLS) expect(settime(clock), name).toEqual({ err: gettime === 'value' ? 'EPERM' : 'EINVAL' });
    // No timespec check comes first: the value is never looked at.
    expect(s.step({ task: 't0', call: 'clock_settime', clock: cpuClockId(0, false, 2), sec: '-1', nsec: 1_000_000_000 }).obs).toEqual({ err: 'EPERM' });
  });

  it('another task\'s clocks: its thread clock only within the process, its process clock only if it leads one', () => {
    const s = new Stepper({ seed: 'cpu-clock-pids' }, factory);
    const step = (st: Step): Observation => s.step(st).obs;
    // Both sides number pids from 1 in the order tasks are made: t0 is 1, t1 2, t2 3.
    step({ task: 't0', call: 'fork', child: 't1' });
    step({ task: 't0', call: 'thread', child: 't2' });
    const create = (clock: number, timer: string) => step({ task: 't0', call: 'timer_create', clock, notify: 'signal', timer }).err ?? 'ok';
    expect([
      create(cpuClockId(2, false, 2), 'k1'), // t1 leads its process
      create(cpuClockId(3, false, 2), 'k2'), // t2 is a thread of t0's process, no leader
      create(cpuClockId(3, true, 0), 'k3'), // t2 is a thread of the caller's process
      create(cpuClockId(2, true, 0), 'k4'), // t1 is not
      create(cpuClockId(1, false, 1), 'k5'), // the caller's own process by its pid
    ]).toEqual(['ok', 'EINVAL', 'ok', 'EINVAL', 'ok']);
    // clock_gettime alone also takes the caller's own tid for its process (pid_for_clock's `gettime`).
    const get = (task: string, clock: number) => step({ task, call: 'clock_gettime', clock, vdso: true }).err ?? 'ok';
    const res = (task: string, clock: number) => step({ task, call: 'clock_getres', clock, vdso: true }).err ?? 'ok';
    expect([get('t2', cpuClockId(3, false, 2)), res('t2', cpuClockId(3, false, 2)), get('t2', cpuClockId(1, false, 2))]).toEqual(['ok', 'EINVAL', 'ok']);
    // A sleep on the caller's own thread clock by its tid is refused like pid 0; a sibling's is a sleep.
    const sleep = (task: string, clock: number) => step({ task, call: 'clock_nanosleep', clock, abs: false, value: { sec: '0', nsec: 0 } });
    expect([sleep('t2', cpuClockId(3, true, 2)), sleep('t2', cpuClockId(1, true, 2)), sleep('t2', cpuClockId(2, false, 2))]).toEqual([{ err: 'EINVAL' }, { ret: 0 }, { ret: 0 }]);
  });

  it('timer_create does not take a thread\'s own tid for its process clock, as clock_gettime does', () => {
    // posix_cpu_timer_create calls pid_for_clock(clock, false): without `gettime` a process clock needs a
    // pid that leads a process, and the caller's own tid is no exception.
    const s = new Stepper({ seed: 'cpu-clock-timer-tid' }, factory);
    const step = (st: Step): Observation => s.step(st).obs;
    step({ task: 't0', call: 'thread', child: 't1' }); // pid 2
    const create = (clock: number, timer: string) => step({ task: 't1', call: 'timer_create', clock, notify: 'none', timer }).err ?? 'ok';
    expect(step({ task: 't1', call: 'clock_gettime', clock: cpuClockId(2, false, 2), vdso: false }).err ?? 'ok').toBe('ok');
    expect([
      create(cpuClockId(2, false, 2), 'k1'), // its own tid, as a process
      create(cpuClockId(2, true, 2), 'k2'), // its own tid, as a thread
      create(cpuClockId(1, false, 2), 'k3'), // its leader's pid, as a process
    ]).toEqual(['EINVAL', 'ok', 'ok']);
  });

  it('a task that has exited but is not reaped still has its clocks; a reaped one has none', () => {
    // As a C experiment measured on Linux 6.18: a zombie keeps its pid attached until release_task(),
    // so pid_for_clock() finds the process of a zombie child, and a thread finds its exited leader.
    const s = new Stepper({ seed: 'cpu-clock-zombies' }, factory);
    const step = (st: Step): Observation => s.step(st).obs;
    step({ task: 't0', call: 'fork', child: 't1' }); // pid 2
    step({ task: 't1', call: 'exit' });
    step({ task: 't0', call: 'fork', child: 't2' }); // pid 3
    step({ task: 't2', call: 'thread', child: 't3' }); // pid 4
    step({ task: 't2', call: 'exit' });
    const create = (task: string, clock: number, timer: string) => step({ task, call: 'timer_create', clock, notify: 'none', timer }).err ?? 'ok';
    expect([
      create('t0', cpuClockId(2, false, 2), 'k1'), // the zombie child's process
      create('t0', cpuClockId(2, true, 2), 'k2'), // its thread: not of the caller's process
      create('t3', cpuClockId(3, false, 2), 'k3'), // the exited leader's process, from its thread
      create('t3', cpuClockId(3, true, 2), 'k4'), // the exited leader's thread
    ]).toEqual(['ok', 'EINVAL', 'ok', 'ok']);
    step({ task: 't0', call: 'wait', child: 't1' });
    expect(create('t0', cpuClockId(2, false, 2), 'k5')).toBe('EINVAL');
  });
});
