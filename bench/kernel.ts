// Throughput of the kernel backend: ten-step programs per second, each run on this machine's kernel and
// judged by the model (kernel/compare.ts), as a kernel campaign does. Two ways, side by side in rounds:
//   serial: one executor, each program run and then judged before the next starts (runOnKernel, then
//           compareRun);
//   pool:   kernel/pool.ts, several executors (two per CPU), judging overlapping the runs.
// For each it prints where the time went: executor wall time (dispatch to last reply, summed over
// programs; runs overlap in the pool), judging time, and this process's CPU time (parsing, judging, the
// event loop), each per program.
// --kernel V runs them on Linux V booted under QEMU (kernel/vm.ts; each executor of the pool boots its
// own guest), judged by V's profile, and prints the time of the boot and first program.
//   npx tsx bench/kernel.ts [programs] [--rounds R] [--executors E] [--only serial|pool] [--kernel V]
import { compareRun } from '../kernel/compare.ts';
import { kernelAvailable, runOnKernel } from '../kernel/driver.ts';
import type { ExecutorMode } from '../kernel/driver.ts';
import { KernelPool, pipeline } from '../kernel/pool.ts';
import { createModel } from '../model/index.ts';
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

interface Measured {
  rate: number;
  seconds: number;
  executorWall: number;
  judging: number;
  /** CPU time of this process (parsing, judging, the event loop). */
  cpu: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const now = () => process.hrtime.bigint();
const secondsSince = (t: bigint) => Number(now() - t) / 1e9;

function check(p: Program, r: ReturnType<typeof compareRun>): void {
  if (r.disagreement) throw new Error(`the model disallowed a kernel observation in ${p.env.seed}: ${r.disagreement.reason}`);
}

async function serial(n: number): Promise<Measured> {
  let executorWall = 0, judging = 0;
  const cpu = cpuSeconds();
  const start = now();
  for (let i = 0; i < n; i++) {
    const p = tenSteps(i);
    const t0 = now();
    const run = await runOnKernel(p, mode);
    const t1 = now();
    check(p, compareRun(p, run, createModel));
    executorWall += Number(t1 - t0) / 1e9;
    judging += secondsSince(t1);
  }
  const seconds = secondsSince(start);
  return { rate: n / seconds, seconds, executorWall, judging, cpu: cpuSeconds() - cpu };
}

async function pooled(n: number, pool: KernelPool): Promise<Measured> {
  const before = pool.times;
  const cpu = cpuSeconds();
  const start = now();
  const programs = Array.from({ length: n }, (_, i) => tenSteps(i));
  await pipeline(programs, 2 * pool.size, (p) => pool.compare(p, createModel, mode), (r, p) => check(p, r));
  const seconds = secondsSince(start);
  return { rate: n / seconds, seconds, executorWall: pool.times.executorWall - before.executorWall, judging: pool.times.judging - before.judging, cpu: cpuSeconds() - cpu };
}

function line(name: string, n: number, m: Measured): string {
  return `  ${name.padEnd(7)} ${n} programs in ${m.seconds.toFixed(2)} s: ${m.rate.toFixed(1).padStart(7)} programs/s   `
    + `executor wall ${(m.executorWall * 1000 / n).toFixed(3)}, judging ${(m.judging * 1000 / n).toFixed(3)}, `
    + `node CPU ${(m.cpu * 1000 / n).toFixed(3)} ms/program`;
}

function spread(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0].toFixed(1)}, median ${s[Math.floor(s.length / 2)].toFixed(1)}, max ${s[s.length - 1].toFixed(1)}`;
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
  const n = Number(args[0] ?? 300);
  const pool = new KernelPool({ executors: executors ? Number(executors) : undefined });
  // Warm-up: build, page cache (a booted kernel boots here), every executor started.
  const booting = now();
  const first = await runOnKernel(tenSteps(0), mode);
  if (kernel !== undefined) console.log(`boot of ${first.release} and its first program: ${secondsSince(booting).toFixed(2)} s`);
  await pooled(pool.size * 2, pool);
  const where = kernel !== undefined ? `Linux ${kernel} booted under QEMU (TCG)` : "this machine's kernel";
  console.log(`kernel backend: ten-step programs, run on ${where} and judged by the ${profile} model; ${rounds} rounds of ${n}`);
  console.log(`  (pool: ${pool.size} executors)`);
  const rates: Record<'serial' | 'pool', number[]> = { serial: [], pool: [] };
  for (let r = 0; r < rounds; r++) {
    if (only !== 'pool') {
      const m = await serial(n);
      rates.serial.push(m.rate);
      console.log(line('serial', n, m));
    }
    if (only !== 'serial') {
      const m = await pooled(n, pool);
      rates.pool.push(m.rate);
      console.log(line('pool', n, m));
    }
  }
  await pool.close();
  for (const k of ['serial', 'pool'] as const) if (rates[k].length) console.log(`${k.padEnd(7)} programs/s: ${spread(rates[k])}`);
  if (rates.serial.length && rates.pool.length) {
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`pool / serial (medians): ${(med(rates.pool) / med(rates.serial)).toFixed(2)}x`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
