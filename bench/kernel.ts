// Throughput of the kernel backend: programs per second, each run on this machine's kernel and judged by
// the model (kernel/compare.ts), as a kernel campaign does. Two kinds of program:
//   fixed:     the same ten steps every time (fork, unshare, offsets, clocks, procfs, exec, exit, wait);
//   generated: kernel-safe programs of up to ten steps as the kernel campaign generates them (timers,
//              sleeps, signals and `advance` waits included), each generated when it is about to run;
// and two ways, side by side in rounds:
//   serial:     one executor, each program run and then judged before the next starts;
//   concurrent: kernel/pool.ts, several executors (two per CPU unless --executors), several programs in
//               flight, judging overlapping the runs.
// For each it prints where the time went, per program: executor wall time (dispatch to last reply; runs
// overlap when concurrent), judging, generation, this process's CPU time (generation, parsing, judging,
// the event loop) and the executors' CPU time (the executors and every task of their programs). The CPU
// a program costs bounds what the CPUs of this machine can run per second, whatever the concurrency:
// that bound is printed beside the rates.
// --kernel V runs them on Linux V booted under QEMU (kernel/vm.ts; each executor of the pool boots its
// own guest), judged by V's profile, and prints the time of the boot and first program.
//   npx tsx bench/kernel.ts [programs] [--rounds R] [--executors E] [--only serial|concurrent]
//                           [--programs fixed|generated|both] [--kernel V]
import { availableParallelism } from 'node:os';
import fc from 'fast-check';
import { compareRun } from '../kernel/compare.ts';
import type { Comparison } from '../kernel/compare.ts';
import { ExecutorLane, hostClocksEstimate, kernelAvailable, runOnKernel } from '../kernel/driver.ts';
import type { ExecutorMode } from '../kernel/driver.ts';
import { KernelPool, pipeline } from '../kernel/pool.ts';
import { createModel } from '../model/index.ts';
import { programs } from '../properties/generate.ts';
import { profileOf } from '../properties/kernel-campaign.ts';
import type { KernelBehaviour, Program, Step } from '../vocab/index.ts';

/** Where the programs run (--kernel), and the profile they assume. */
let mode: ExecutorMode = {};
let profile: KernelBehaviour = 'current';

/** Ten steps touching every moving part: fork, unshare, offsets, clocks, procfs, exec, exit, wait. */
function tenSteps(i: number): Program {
  const steps: Step[] = [
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' },
    { task: 't0', call: 'write', fd: 'f1', text: `monotonic ${i} 0` },
    { task: 't0', call: 'fork', child: 't1' },
    { task: 't1', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
    { task: 't1', call: 'read_uptime' },
    { task: 't1', call: 'readlink', target: 't1', link: 'time' },
    { task: 't0', call: 'exec' },
    { task: 't1', call: 'exit' },
    { task: 't0', call: 'wait', child: 't1' },
  ];
  return { format: 1, kernel: profile, env: { seed: `bench-${i}` }, steps };
}

type Kind = 'fixed' | 'generated';

/** Seconds spent generating programs (generated ones are made when they are about to run). */
let generating = 0;

/** n programs of the kind, made one at a time as they are asked for (absolute timer targets are aimed
 *  at the host clocks the last run read, as in a kernel campaign). */
function* workload(kind: Kind, n: number, round: number): Iterable<Program> {
  const arb = programs({ maxSteps: 10, kernelSafe: true, kernelTimers: { now: hostClocksEstimate }, kernel: profile });
  for (let i = 0; i < n; i++) {
    if (kind === 'fixed') {
      yield tenSteps(i);
      continue;
    }
    const t = now();
    const [p] = fc.sample(arb, { seed: 1000 * round + i, numRuns: 1 });
    generating += secondsSince(t);
    yield p;
  }
}

interface Measured {
  rate: number;
  seconds: number;
  executorWall: number;
  judging: number;
  generating: number;
  /** CPU time of this process (generation, parsing, judging, the event loop). */
  cpu: number;
  /** CPU time of the executors and their programs' tasks. */
  executorCpu: number;
  /** Programs whose run the model did not allow, or that failed to run (generated ones only: the
   *  fixed program must always agree). */
  findings: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const now = () => process.hrtime.bigint();
const secondsSince = (t: bigint) => Number(now() - t) / 1e9;

/** Counts a finding of a generated program; the fixed program must agree. */
function check(kind: Kind, p: Program, r: Comparison | Error): number {
  const why = r instanceof Error ? r.message : r.disagreement?.reason;
  if (why === undefined) return 0;
  if (kind === 'fixed') throw new Error(`the model disallowed a kernel observation in ${p.env.seed}: ${why}`);
  return 1;
}

/** One executor of its own, each program run and judged before the next. */
const serialLane = new ExecutorLane();

async function serial(kind: Kind, n: number, round: number): Promise<Measured> {
  let executorWall = 0, judging = 0, findings = 0;
  const cpu = cpuSeconds(), executorCpu = serialLane.cpuSeconds(), generated = generating;
  const start = now();
  for (const p of workload(kind, n, round)) {
    const t0 = now();
    const run = await runOnKernel(p, { ...mode, lane: serialLane }).catch((e: Error) => e);
    const t1 = now();
    findings += check(kind, p, run instanceof Error ? run : compareRun(p, run, createModel));
    executorWall += Number(t1 - t0) / 1e9;
    judging += secondsSince(t1);
  }
  const seconds = secondsSince(start);
  return {
    rate: n / seconds, seconds, executorWall, judging, generating: generating - generated, cpu: cpuSeconds() - cpu,
    executorCpu: serialLane.cpuSeconds() - executorCpu, findings,
  };
}

async function concurrent(kind: Kind, n: number, round: number, pool: KernelPool): Promise<Measured> {
  const before = pool.times;
  const cpu = cpuSeconds(), generated = generating;
  let findings = 0;
  const start = now();
  // Generated programs as the kernel campaign runs them: one in flight per executor, the next generated
  // when one is free. The fixed program has no timer targets to aim: a second one waits on each executor.
  await pipeline(workload(kind, n, round), kind === 'fixed' ? 2 * pool.size : pool.size, (p) => pool.compare(p, createModel, mode).catch((e: Error) => e),
    (r, p) => { findings += check(kind, p, r); });
  const seconds = secondsSince(start);
  const after = pool.times;
  return {
    rate: n / seconds, seconds, executorWall: after.executorWall - before.executorWall, judging: after.judging - before.judging,
    generating: generating - generated, cpu: cpuSeconds() - cpu, executorCpu: after.executorCpu - before.executorCpu, findings,
  };
}

const ms = (s: number, n: number) => (s * 1000 / n).toFixed(3);

function line(name: string, n: number, m: Measured): string {
  return `  ${name.padEnd(10)} ${n} in ${m.seconds.toFixed(2).padStart(6)} s: ${m.rate.toFixed(1).padStart(7)}/s   `
    + `executor wall ${ms(m.executorWall, n)}, judging ${ms(m.judging, n)}, generation ${ms(m.generating, n)}, `
    + `node CPU ${ms(m.cpu, n)}, executor CPU ${ms(m.executorCpu, n)} ms/program`
    + (m.findings ? `; ${m.findings} not allowed or not run` : '');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function spread(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0].toFixed(1)}, median ${median(s).toFixed(1)}, max ${s[s.length - 1].toFixed(1)}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const kernel = flag('kernel');
  if (kernel !== undefined) {
    mode = { kernel };
    profile = profileOf(kernel);
  }
  const available = kernelAvailable(mode);
  if (!available.ok) {
    console.log(`kernel benchmark skipped: ${available.reason}`);
    return;
  }
  const rounds = Number(flag('rounds') ?? 3);
  const executors = flag('executors');
  const only = flag('only');
  const which = flag('programs') ?? 'both';
  const kinds: Kind[] = which === 'both' ? ['fixed', 'generated'] : [which as Kind];
  const n = Number(args[0] ?? 300);
  const pool = new KernelPool({ executors: executors ? Number(executors) : undefined });
  // Warm-up: build, page cache (a booted kernel boots here), every executor started.
  const booting = now();
  const first = await runOnKernel(tenSteps(0), { ...mode, lane: serialLane });
  if (kernel !== undefined) console.log(`boot of ${first.release} and its first program: ${secondsSince(booting).toFixed(2)} s`);
  await concurrent('fixed', pool.size * 2, 0, pool);
  const where = kernel !== undefined ? `Linux ${kernel} booted under QEMU (TCG)` : "this machine's kernel";
  const cpus = availableParallelism();
  console.log(`kernel backend: programs run on ${where} and judged by the ${profile} model; ${rounds} rounds of ${n}; `
    + `${cpus} CPUs; concurrent: ${pool.size} executors`);
  for (const kind of kinds) {
    console.log(kind === 'fixed' ? 'fixed ten-step programs (fork, unshare, offsets, clocks, procfs, exec, exit, wait):'
      : 'generated kernel-safe programs of up to ten steps (timers, sleeps, signals, advance included):');
    const rates: Record<'serial' | 'concurrent', number[]> = { serial: [], concurrent: [] };
    const cpu: number[] = [];
    for (let r = 1; r <= rounds; r++) {
      if (only !== 'concurrent') {
        const m = await serial(kind, n, r);
        rates.serial.push(m.rate);
        console.log(line('serial', n, m));
      }
      if (only !== 'serial') {
        const m = await concurrent(kind, n, r, pool);
        rates.concurrent.push(m.rate);
        cpu.push((m.cpu + m.executorCpu) / n);
        console.log(line('concurrent', n, m));
      }
    }
    for (const k of ['serial', 'concurrent'] as const) if (rates[k].length) console.log(`  ${k.padEnd(10)} programs/s: ${spread(rates[k])}`);
    if (rates.serial.length && rates.concurrent.length)
      console.log(`  concurrent / serial (medians): ${(median(rates.concurrent) / median(rates.serial)).toFixed(2)}x`);
    if (cpu.length) {
      const c = median(cpu);
      console.log(`  CPU per program (node + executors, concurrent, median): ${(c * 1000).toFixed(3)} ms: `
        + `${cpus} CPUs run at most ${(cpus / c).toFixed(0)} such programs/s`);
    }
  }
  await pool.close();
  await serialLane.close();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
