// timer_create on raw CPU clock ids. The ids that mean the same on every machine are checked against
// the kernel's answers (test/kernel/cpu-clock-ids.ts); those naming another task's pid follow
// pid_for_clock() of kernel/time/posix-cpu-timers.c: a thread clock needs a thread of the caller's
// process, a process clock a pid that leads a process. The model refuses every negative id, so these
// run on impl alone.
import { describe, expect, it } from 'vitest';
import { Stepper } from '../../harness/run.ts';
import { createImpl } from '../../impl/index.ts';
import { CPU_CLOCK_IDS_EXPECTED, CPU_CLOCK_IDS_PROGRAM, cpuClockId } from '../kernel/cpu-clock-ids.ts';
import type { Observation, Step } from '../../vocab/index.ts';

describe('timer_create on raw CPU clock ids', () => {
  it('the ids measured on the kernel', () => {
    const s = new Stepper(CPU_CLOCK_IDS_PROGRAM.env, createImpl);
    expect(CPU_CLOCK_IDS_PROGRAM.steps.map((st) => s.step(st).obs)).toEqual(CPU_CLOCK_IDS_EXPECTED);
  });
  it('another task\'s clocks: its thread clock only within the process, its process clock only if it leads one', () => {
    const s = new Stepper({ seed: 'cpu-clock-pids' }, createImpl);
    const step = (st: Step): Observation => s.step(st).obs;
    // impl numbers pids from 1 in the order tasks are made: t0 is 1, t1 2, t2 3.
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
  });
  it('a task that has exited but is not reaped still has its clocks; a reaped one has none', () => {
    // As a C experiment measured on Linux 6.18: a zombie keeps its pid attached until release_task(),
    // so pid_for_clock() finds the process of a zombie child, and a thread finds its exited leader.
    const s = new Stepper({ seed: 'cpu-clock-zombies' }, createImpl);
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
