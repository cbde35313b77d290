// Generated kernel-safe programs run on the kernel and compared with the model; prints the first
// disagreement of each failing program.
//   npx tsx kernel/campaign.ts [programs=200] [seed=1] [maxSteps=25]
import fc from 'fast-check';
import { createModel } from '../model/index.ts';
import { programs } from '../properties/generate.ts';
import { compareOnKernel, describeDisagreement } from './compare.ts';
import { kernelAvailable } from './driver.ts';

async function main(): Promise<void> {
  const available = kernelAvailable();
  if (!available.ok) {
    console.log(`kernel campaign skipped: ${available.reason}`);
    return;
  }
  const [count, seed, maxSteps] = [Number(process.argv[2] ?? 200), Number(process.argv[3] ?? 1), Number(process.argv[4] ?? 25)];
  const corpus = fc.sample(programs({ maxSteps, kernelSafe: true }), { seed, numRuns: count });
  let failed = 0;
  let refusedSteps = 0;
  for (const [i, program] of corpus.entries()) {
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
  console.log(`${corpus.length} programs, ${failed} failed, ${refusedSteps} steps refused by the guard`);
  if (failed) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
