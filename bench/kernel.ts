// Throughput of the kernel backend: programs per second for 10-step programs run on this machine's
// kernel (through runOnKernel, which keeps one executor process for all of them).
//   npx tsx bench/kernel.ts [programs]
import { kernelAvailable, runOnKernel } from '../kernel/driver.ts';
import type { Program, Step } from '../vocab/index.ts';

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
  return { format: 1, kernel: 'current', env: { seed: `bench-${i}` }, steps };
}

async function main(): Promise<void> {
  const available = kernelAvailable();
  if (!available.ok) {
    console.log(`kernel benchmark skipped: ${available.reason}`);
    return;
  }
  const n = Number(process.argv[2] ?? 200);
  await runOnKernel(tenSteps(0)); // warm-up: build, page cache
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await runOnKernel(tenSteps(i));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`kernel backend: ${n} programs of 10 steps in ${seconds.toFixed(2)} s: ${(n / seconds).toFixed(1)} programs/s`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
