// Raw CPU clock ids whose answer depends on which clock the id names and on whose pid it carries, on the
// model and impl alike. The readings follow docs/conventions.md (the harness's CPU time is all system
// time: PROF and SCHED read `cputime`, VIRT reads 0); which pids name a clock follows
// kernel/time/posix-cpu-timers.c, pid_for_clock(): a process clock needs a pid that leads a process
// (pid_has_task(pid, PIDTYPE_TGID)), and only clock_gettime (`gettime`) also takes the caller's own tid.
import { describe, expect, it } from 'vitest';
import { Stepper } from '../../harness/run.ts';
import { createImpl } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import { CPUCLOCK, cpuClockId, type BackendFactory, type Observation, type Step } from '../../vocab/index.ts';

const SIDES: [string, BackendFactory][] = [['model', createModel], ['impl', createImpl]];

describe.each(SIDES)('CPU clocks on the %s', (_name, factory) => {
  it('the process clocks of pid 0: PROF and SCHED read the CPU time, VIRT (user time) reads 0', () => {
    const s = new Stepper({ seed: 'cpu-clock-readings' }, factory);
    const read = (which: number) => s.step({ task: 't0', call: 'clock_gettime', clock: cpuClockId(0, false, which), vdso: false });
    for (const which of [CPUCLOCK.PROF, CPUCLOCK.VIRT, CPUCLOCK.SCHED]) {
      const { obs, clocks } = read(which);
      expect(clocks.cputime > 0n).toBe(true);
      expect(obs).toEqual({ ret: 0, time: String(which === CPUCLOCK.VIRT ? 0n : clocks.cputime) });
    }
  });

  it('an absolute sleep on the VIRT clock ends at once only at a target of 0, which that clock never passes', () => {
    // The sleep compares its target with the clock it names (cpu_clock_sample): VIRT stays at 0 while
    // the CPU time PROF and SCHED read is far above 1 ns.
    const s = new Stepper({ seed: 'cpu-clock-virt-sleep' }, factory);
    const sleep = (task: string, clock: number, nsec: number): Observation =>
      s.step({ task, call: 'clock_nanosleep', clock, abs: true, value: { sec: '0', nsec } }).obs;
    s.step({ task: 't0', call: 'fork', child: 't1' });
    s.step({ task: 't0', call: 'fork', child: 't2' });
    expect(sleep('t0', cpuClockId(0, false, CPUCLOCK.VIRT), 0)).toEqual({ ret: 0 });
    expect(sleep('t1', cpuClockId(0, false, CPUCLOCK.VIRT), 1)).toEqual({ pending: true });
    expect(sleep('t2', cpuClockId(0, false, CPUCLOCK.PROF), 1)).toEqual({ ret: 0 });
  });

  it('a non-leader thread\'s tid names no process clock, for another task or for the thread itself', () => {
    const s = new Stepper({ seed: 'cpu-clock-thread-tid' }, factory);
    const step = (st: Step): Observation => s.step(st).obs;
    // Both sides number pids from 1 in the order tasks are made: t0 is 1, t1 2.
    step({ task: 't0', call: 'thread', child: 't1' });
    const t1Process = (which: number) => cpuClockId(2, false, which);
    // clock_gettime: the leader asking by its thread's tid (pid_has_task(PIDTYPE_TGID) fails), while the
    // thread itself may ask by its own tid (the `gettime` exception).
    expect(step({ task: 't0', call: 'clock_gettime', clock: t1Process(CPUCLOCK.SCHED), vdso: false }).err).toBe('EINVAL');
    expect(step({ task: 't1', call: 'clock_gettime', clock: t1Process(CPUCLOCK.SCHED), vdso: true }).err).toBeUndefined();
    // posix_cpu_clock_set() and posix_cpu_nsleep() look the clock up without `gettime`: EINVAL, where
    // a clock that exists would be EPERM and a sleep to 0 would end at once.
    expect(step({ task: 't1', call: 'clock_settime', clock: t1Process(CPUCLOCK.SCHED), sec: '1', nsec: 0 })).toEqual({ err: 'EINVAL' });
    expect(step({ task: 't1', call: 'clock_settime', clock: cpuClockId(1, false, CPUCLOCK.SCHED), sec: '1', nsec: 0 })).toEqual({ err: 'EPERM' });
    expect(step({ task: 't1', call: 'clock_nanosleep', clock: t1Process(CPUCLOCK.SCHED), abs: false, value: { sec: '0', nsec: 0 } })).toEqual({ err: 'EINVAL' });
    expect(step({ task: 't1', call: 'clock_nanosleep', clock: cpuClockId(1, false, CPUCLOCK.SCHED), abs: false, value: { sec: '0', nsec: 0 } })).toEqual({ ret: 0 });
  });
});
