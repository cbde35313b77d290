// Corners of expiry order and of tasks, run on impl and model side by side (observations and states
// compared): timers on two bases reaching the same instant in one advance (arming order decides), a
// later expiry armed earlier on another base, a clock jump landing exactly on an expiry, a path naming
// a dead t0 whose pid a thread's exec took over, an exec closing an unnamed O_CLOEXEC nsfs fd, and a
// vfork child, sharing its parent's mm, refused a time namespace.
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import { createImpl } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import { Stepper } from '../../harness/run.ts';
import { same } from '../../harness/compare.ts';
import { STEP_NS } from '../../harness/host.ts';
import type { Observation, Program, Step, Timespec } from '../../vocab/index.ts';

const SEC = 1_000_000_000n;
const MS = 1_000_000n;
const ts = (n: bigint): Timespec => ({ sec: String(n / SEC), nsec: Number(n % SEC) });

const agree = (steps: Step[], kernel: Program['kernel'] = 'current'): Observation[] => agreeing(steps, 'expiry-order', kernel);

/** Model and impl stepped together, for steps whose values depend on the host's clocks. */
class Both {
  readonly sides = [new Stepper({ seed: 'expiry-order' }, createModel), new Stepper({ seed: 'expiry-order' }, createImpl)];
  step(s: Step): Observation {
    const [m, i] = this.sides.map((side) => side.step(s).obs);
    expect(i, JSON.stringify(s)).toEqual(m);
    expect(same(this.sides[0].side.abstract(), this.sides[1].side.abstract()), 'states').toBe(true);
    return m;
  }
  /** The host clocks the next step will see. */
  next() {
    const c = this.sides[0].clocks();
    return { monotonic: c.monotonic + STEP_NS, boottime: c.boottime + STEP_NS, realtime: c.realtime + STEP_NS };
  }
}

const sleep = (task: string, clock: 'CLOCK_MONOTONIC' | 'CLOCK_BOOTTIME', abs: boolean, value: Timespec): Step =>
  ({ task, call: 'clock_nanosleep', clock, abs, value });

describe('expiries on two bases in one advance', () => {
  it.each([
    ['CLOCK_MONOTONIC', 'CLOCK_BOOTTIME'],
    ['CLOCK_BOOTTIME', 'CLOCK_MONOTONIC'],
  ] as const)('at the same instant they complete in arming order (%s armed first)', (first, second) => {
    const b = new Both();
    b.step({ task: 't0', call: 'fork', child: 't1' });
    b.step({ task: 't0', call: 'fork', child: 't2' });
    // Both targets 5 ms after the first arming, each on its own clock.
    const at = b.next();
    const target = (c: string) => (c === 'CLOCK_MONOTONIC' ? at.monotonic : at.boottime) + 5n * MS;
    expect(b.step(sleep('t1', first, true, ts(target(first)))).pending).toBe(true);
    expect(b.step(sleep('t2', second, true, ts(target(second)))).pending).toBe(true);
    const o = b.step({ host: 'advance', ns: String(10n * MS) });
    expect((o.completions ?? []).map((c) => c.task)).toEqual(['t1', 't2']);
  });
  it('a boottime expiry armed first but due later completes after a monotonic one due sooner', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't0', call: 'fork', child: 't2' },
      sleep('t1', 'CLOCK_BOOTTIME', false, ts(5n * MS)),
      sleep('t2', 'CLOCK_MONOTONIC', false, ts(3n * MS)),
      { host: 'advance', ns: String(10n * MS) },
    ]);
    expect((obs[4].completions ?? []).map((c) => c.task)).toEqual(['t2', 't1']);
  });
});

describe('a clock set', () => {
  it('landing exactly on an absolute realtime expiry fires it', () => {
    const b = new Both();
    b.step({ task: 't0', call: 'fork', child: 't1' });
    b.step({ task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: true, fd: 'f0' });
    const target = b.next().realtime + 3600n * SEC;
    b.step({ task: 't0', call: 'timerfd_settime', fd: 'f0', abs: true, cancelOnSet: false, value: ts(target), interval: ts(0n) });
    expect(b.step({ task: 't0', call: 'clock_settime', clock: 'CLOCK_REALTIME', sec: String(target / SEC), nsec: Number(target % SEC) })).toEqual({ ret: 0 });
    expect(b.step({ task: 't0', call: 'read', fd: 'f0' })).toEqual({ ret: 8, value: '1' });
  });
});

describe('tasks', () => {
  it('a path naming t0 after its thread took over its pid by exec reaches that thread', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't2' },
      { task: 't0', call: 'thread', child: 't1' },
      { task: 't1', call: 'exec' },
      { task: 't2', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f0' },
      { task: 't2', call: 'readlink', target: 't0', link: 'time' },
    ]);
    expect(obs[3]).toEqual({ ret: 0, handle: 'f0' });
  });
  it('exec closes an unnamed fd that NS_GET_PARENT made (O_CLOEXEC), freeing the namespace it held', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'map_root' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't0', call: 'open', target: 't1', file: 'ns/user', mode: 'r', fd: 'f0' },
      { task: 't0', call: 'ioctl', fd: 'f0', request: 'NS_GET_PARENT' },
      { task: 't0', call: 'close', fd: 'f0' },
      { task: 't1', call: 'exit' },
      { task: 't0', call: 'wait', child: 't1' },
      { task: 't0', call: 'exec' },
    ]);
    expect(obs.map((o) => o.err)).toEqual(obs.map(() => undefined));
  });
  it('a vfork child shares its parent\'s mm: setns into a time namespace is EUSERS', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't1', call: 'fork', child: 't3' },
      { task: 't0', call: 'open', target: 't3', file: 'ns/time', mode: 'r', fd: 'f0' },
      { task: 't0', call: 'vfork', child: 't2' },
      { task: 't2', call: 'setns', fd: 'f0', nstype: ['CLONE_NEWTIME'] },
    ]);
    expect(obs[5]).toEqual({ err: 'EUSERS' });
  });
});
