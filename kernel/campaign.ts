// Generated kernel-safe programs run on the kernel and compared with the model; prints the first
// disagreement of each failing program.
//   npx tsx kernel/campaign.ts [programs=200] [seed=1] [maxSteps=25]
import fc from 'fast-check';
import { createModel } from '../model/index.ts';
import { programs } from '../properties/generate.ts';
import { compareOnKernel, describeDisagreement } from './compare.ts';
import { hostClocksEstimate, kernelAvailable, runOnKernel } from './driver.ts';

async function main(): Promise<void> {
  const available = kernelAvailable();
  if (!available.ok) {
    console.log(`kernel campaign skipped: ${available.reason}`);
    return;
  }
  const [count, seed, maxSteps] = [Number(process.argv[2] ?? 200), Number(process.argv[3] ?? 1), Number(process.argv[4] ?? 25)];
  // Programs are generated one at a time, just before they run, so that absolute timer targets are aimed
  // at the machine's present (the clocks the last program read).
  await runOnKernel({ format: 1, kernel: 'current', env: { seed: 'clocks' }, steps: [{ task: 't0', call: 'read_uptime' }] });
  const gen = programs({ maxSteps, kernelSafe: true, kernelTimers: { now: hostClocksEstimate } });
  let failed = 0;
  let refusedSteps = 0;
  for (let i = 0; i < count; i++) {
    const program = fc.sample(gen, { seed: seed * 1_000_003 + i, numRuns: 1 })[0];
    try {
      const result = await compareOnKernel(program, createModel, { timeoutMs: 10_000 });
      refusedSteps += result.refused.length;
      if (result.disagreement) {
        failed++;
        console.log(`program ${i}: ${JSON.stringify(program)}\n${describeDisagreement(result.disagreement)}`);
      }
    } catch (e) {
      failed++;
      console.log(`program ${i}: ${JSON.stringify(program)}\n  ${String(e)}`);
    }
  }
  console.log(`${count} programs, ${failed} failed, ${refusedSteps} steps refused by the guard`);
  if (failed) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
