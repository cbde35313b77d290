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
});
