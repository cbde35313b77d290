// Several executors side by side. One executor runs one program at a time and waits, between programs,
// for this process to read the last reply and send the next program; this process, in turn, spends most
// of its time judging (compare.ts runs the model twice per program). A pool keeps two executors per CPU,
// each pinned to its CPU: while one waits for this process, the other on the same CPU runs, and the
// judging of one program overlaps the runs of the next ones.
//
// Each executor keeps everything a single one does: the safety guard, the seccomp wall, every run's time
// limit, and the killing and reaping of every process of a program before the next one starts.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { BackendFactory, Program } from '../vocab/index.ts';
import { compareRun } from './compare.ts';
import type { Comparison } from './compare.ts';
import { ExecutorLane, runOnKernel } from './driver.ts';
import type { ExecutorMode, KernelRun, RunOptions } from './driver.ts';

export interface PoolOptions {
  /** How many executors (default: two per CPU this process may use). */
  executors?: number;
}

/** Where the time of the programs run through a pool went, in seconds. */
export interface PoolTimes {
  programs: number;
  /** From sending a program to an executor to its last reply, summed over programs (runs on
   *  different executors overlap). */
  executorWall: number;
  /** Judging (compareRun) in this process, summed; it runs while the executors run other programs. */
  judging: number;
  /** CPU time of the executors and their programs' tasks (ExecutorLane.cpuSeconds). */
  executorCpu: number;
}

export function defaultExecutors(): number {
  return 2 * availableParallelism();
}

/** The CPUs this process may run on (Cpus_allowed_list of /proc/self/status), or null if unknown. */
export function allowedCpus(): number[] | null {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return null;
  }
  const list = /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1];
  if (!list) return null;
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let c = a; c <= (b ?? a); c++) cpus.push(c);
  }
  return cpus.length ? cpus : null;
}

export class KernelPool {
  private readonly lanes: { lane: ExecutorLane; queued: number }[];
  private readonly counted = { programs: 0, judging: 0 };

  constructor(options: PoolOptions = {}) {
    const n = Math.max(1, options.executors ?? defaultExecutors());
    // Spread over the CPUs this process may use (a container's cpuset need not start at 0).
    const cpus = allowedCpus();
    this.lanes = Array.from({ length: n }, (_, i) => ({ lane: new ExecutorLane(n > 1 && cpus ? cpus[i % cpus.length] : undefined), queued: 0 }));
  }

  get times(): PoolTimes {
    return {
      ...this.counted,
      executorWall: this.lanes.reduce((t, l) => t + l.lane.busySeconds, 0),
      executorCpu: this.lanes.reduce((t, l) => t + l.lane.cpuSeconds(), 0),
    };
  }

  get size(): number {
    return this.lanes.length;
  }

  /** Runs the program on the executor with the fewest programs queued (runOnKernel otherwise). */
  async run(program: Program, options: RunOptions = {}): Promise<KernelRun> {
    const slot = this.lanes.reduce((a, b) => (b.queued < a.queued ? b : a));
    slot.queued++;
    try {
      return await runOnKernel(program, { ...options, lane: slot.lane });
    } finally {
      slot.queued--;
    }
  }

  /** compareOnKernel through the pool. */
  async compare(program: Program, factory: BackendFactory, options: RunOptions = {}): Promise<Comparison & { run: KernelRun }> {
    const run = await this.run(program, options);
    const started = process.hrtime.bigint();
    const comparison = compareRun(program, run, factory);
    this.counted.judging += Number(process.hrtime.bigint() - started) / 1e9;
    this.counted.programs++;
    return { ...comparison, run };
  }

  /** The process groups of the pool's executors that are running now (one per executor). */
  processGroups(): number[] {
    return this.lanes.flatMap((l) => [...l.lane.sessions.values()].filter((s) => s.alive).map((s) => s.pid!));
  }

  /** How many executors have run a program so far. */
  get executorsUsed(): number {
    return this.lanes.filter((l) => l.lane.busySeconds > 0).length;
  }

  /** Programs the pool's executors hold at the moment (queued or running). */
  get inFlight(): number {
    return this.lanes.reduce((n, l) => n + l.queued, 0);
  }

  /** Kills every executor of the pool once its queued programs are done. */
  async close(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.lane.close()));
  }
}

/**
 * Runs `compare` on every program the iterator yields, keeping up to `window` programs in flight, and
 * hands each result to `done` (in completion order, with the program's position). Stops taking new
 * programs once `stop()` says so; waits for the ones in flight.
 */
export async function pipeline<T>(
  programs: Iterable<Program>, window: number, compare: (p: Program, i: number) => Promise<T>,
  done: (r: T, p: Program, i: number) => void, stop: () => boolean = () => false,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let i = 0;
  for (const p of programs) {
    if (stop() || failure !== undefined) break;
    const index = i++;
    const job: Promise<void> = compare(p, index).then((r) => done(r, p, index), (e) => { failure ??= e; }).finally(() => inFlight.delete(job));
    inFlight.add(job);
    if (inFlight.size >= window) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
}

export type { ExecutorMode };
