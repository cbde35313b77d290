// What generation knows while it generates: the handles it made, the model beside it, and the small
// choices every kind of step shares (a live task, an fd its process holds, a clock).
import fc from 'fast-check';
import { CLOCK_NAMES, INVALID_CLOCK_IDS } from '../vocab/index.ts';
import type { AbstractState, ClockRef, HostClocks, ProgramStep as Step, KernelBehaviour } from '../vocab/index.ts';

export interface GenOptions {
  maxSteps: number;
  /** Leave out what cannot happen on a real machine: suspend, setting the realtime clock. */
  kernelSafe?: boolean;
  /**
   * With kernelSafe: also timers, sleeps, futex waits and signals, shaped for a real machine where
   * `advance` waits at most 20 ms: relative times of 3 to 8 ms (or an hour, which only a signal
   * ends), no sleeps on CPU-time clocks, no clock sets. `now` gives the machine's host clocks (null
   * before any are known), so that absolute targets land near the machine's present rather than the
   * simulated host's. Without this flag nothing generated changes.
   */
  kernelTimers?: boolean | { now?: () => HostClocks | null };
  /** The kernel behaviour the programs assume (Program.kernel; default "current"): generation steers by
   *  the model of that profile, so it learns which creations fail on that kernel. */
  kernel?: KernelBehaviour;
}

export type Rng = { int(lo: number, hi: number): number; chance(p: number): boolean; pick<T>(xs: readonly T[]): T };

export function rngOf(mrng: fc.Random): Rng {
  return {
    int: (lo, hi) => mrng.nextInt(lo, hi),
    chance: (p) => mrng.nextInt(0, 9999) < p * 10000,
    pick: (xs) => xs[mrng.nextInt(0, xs.length - 1)],
  };
}

export type FdKind = 'offsets' | 'offsets-w' | 'time' | 'user' | 'pidfd' | 'timerfd';

/**
 * What generation knows of the handles it made, enough to aim most steps at live tasks and at fds their
 * process holds. It never runs the program, so it guesses (a creation it records may fail when run).
 */
export interface Sketch {
  tasks: string[];
  /** Task -> its process (thread group); threads share one fd table. */
  group: Map<string, number>;
  /** Process -> the fds it holds. */
  fdsOf: Map<number, Set<string>>;
  kind: Map<string, FdKind>;
  exited: Set<string>;
  /** vfork parent -> the child it waits for. */
  blockedBy: Map<string, string>;
  nextTask: number;
  nextFd: number;
  nextGroup: number;
  /** Process -> the POSIX timers it made. */
  timersOf: Map<number, Set<string>>;
  nextTimer: number;
  /** Tasks in a blocking call, until the model reports its completion. */
  sleeping: Set<string>;
  /** The model's state right now, for the few choices that need more than handles. */
  peek: () => AbstractState;
  /** The host clocks right now, to aim absolute times near a namespace's present. */
  now: () => HostClocks;
  /** Timers for a real machine (GenOptions.kernelTimers): short times, no CPU-time sleeps. */
  kernelTimers?: boolean;
  /** The rest of a sequence under way (steps-sequences.ts), each step made when its turn comes. */
  plan: ((r: Rng, s: Sketch) => Step | undefined)[];
  /** How many steps the program has so far: the index of the step being made (steps-observed.ts). */
  made?: number;
}

export function newSketch(peek: () => AbstractState, now: () => HostClocks): Sketch {
  return {
    tasks: ['t0'], group: new Map([['t0', 0]]), fdsOf: new Map([[0, new Set()]]), kind: new Map(),
    exited: new Set(), blockedBy: new Map(), nextTask: 1, nextFd: 0, nextGroup: 1,
    timersOf: new Map([[0, new Set()]]), nextTimer: 0, sleeping: new Set(), peek, now, plan: [],
  };
}


export function flags<T extends string>(r: Rng, table: [T, number][]): T[] {
  return table.filter(([, p]) => r.chance(p)).map(([f]) => f);
}

export const ALL_CLOCKS: ClockRef[] = [...CLOCK_NAMES, ...INVALID_CLOCK_IDS];
/** The clocks a time namespace shifts: half of all reads, since they are what the offsets are for. */
const SHIFTED_CLOCKS: ClockRef[] = ['CLOCK_MONOTONIC', 'CLOCK_BOOTTIME', 'CLOCK_MONOTONIC_RAW', 'CLOCK_MONOTONIC_COARSE', 'CLOCK_BOOTTIME_ALARM'];
export const someClock = (r: Rng): ClockRef => r.pick(r.chance(0.5) ? SHIFTED_CLOCKS : ALL_CLOCKS);

export const fdsOf = (s: Sketch, task: string) => s.fdsOf.get(s.group.get(task) ?? -1) ?? new Set<string>();

export function newTask(s: Sketch, parent: string, how: 'process' | 'thread' | 'vfork'): string {
  const h = `t${s.nextTask++}`;
  s.tasks.push(h);
  if (how === 'thread') {
    s.group.set(h, s.group.get(parent) ?? -1);
  } else {
    s.group.set(h, s.nextGroup);
    s.timersOf.set(s.nextGroup, new Set()); // timers are not inherited
    s.fdsOf.set(s.nextGroup++, new Set(fdsOf(s, parent)));
  }
  if (how === 'vfork') s.blockedBy.set(parent, h);
  return h;
}
export function newFd(s: Sketch, task: string, kind: FdKind): string {
  const h = `f${s.nextFd++}`;
  s.kind.set(h, kind);
  fdsOf(s, task).add(h);
  return h;
}
/** The task is gone (exit, or killed by a sibling's exec or exit_group): its vfork parent runs again. */
export function gone(s: Sketch, task: string): void {
  s.exited.add(task);
  for (const [parent, child] of s.blockedBy) if (child === task) s.blockedBy.delete(parent);
}
export const siblings = (s: Sketch, task: string) => s.tasks.filter((t) => s.group.get(t) === s.group.get(task));

/** Whether every other live task would go with this one: a program then has nothing left to run. */
export function lastStanding(s: Sketch, task: string): boolean {
  const group = s.group.get(task);
  return s.tasks.every((t) => t === task || s.exited.has(t) || s.group.get(t) === group);
}

export function someTask(r: Rng, s: Sketch): string {
  if (r.chance(0.02)) return `t${s.nextTask + r.int(0, 3)}`; // never created
  const live = s.tasks.filter((t) => !s.exited.has(t) && !s.blockedBy.has(t) && !s.sleeping.has(t));
  return live.length > 0 && r.chance(0.95) ? r.pick(live) : r.pick(s.tasks);
}
export function someFd(r: Rng, s: Sketch, task: string, prefer?: FdKind[]): string {
  if (s.kind.size === 0 || r.chance(0.03)) return `f${s.nextFd + r.int(0, 3)}`;
  const held = [...fdsOf(s, task)];
  const good = prefer ? held.filter((f) => prefer.includes(s.kind.get(f)!)) : held;
  if (good.length > 0 && r.chance(0.9)) return r.pick(good);
  return held.length > 0 && r.chance(0.7) ? r.pick(held) : r.pick([...s.kind.keys()]);
}

export type Maker = (r: Rng, s: Sketch, task: string, o: GenOptions) => Step;
