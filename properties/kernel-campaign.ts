// A campaign against Linux itself: generated kernel-safe programs run on this machine's kernel through the
// executor, and the model must allow every observation (kernel/compare.ts). fast-check shrinks a
// disagreement by rerunning candidates on the kernel, so what is stored is the shortest program it found.
import fc from 'fast-check';
import { createModel } from '../model/index.ts';
import { compareOnKernel, describeDisagreement } from '../kernel/compare.ts';
import { hostClocksEstimate, isRefused, kernelAvailable, runOnKernel } from '../kernel/driver.ts';
import { makeCounterexample } from '../harness/counterexample.ts';
import type { Counterexample } from '../harness/counterexample.ts';
import { countStep, newStats } from '../harness/stats.ts';
import type { Stats } from '../harness/stats.ts';
import type { Program } from '../vocab/index.ts';
import { programs } from './generate.ts';

/** What `timens campaign --against kernel` runs when given no other options. */
export const DEFAULT_KERNEL_CAMPAIGN = { seed: 1, runs: 300, maxSteps: 15 } as const;

export interface KernelCampaignOptions {
  seed: number;
  runs: number;
  maxSteps: number;
  timeLimitMs?: number;
  /** Include timers, sleeps, futex waits and signals (GenOptions.kernelTimers). Default: true. */
  timers?: boolean;
  /** Run the executor as nobody (kernel/driver.ts NOBODY when this process is root): every program
   *  starts in the user namespace it makes, and the model starts there too. Default: false. */
  unprivileged?: boolean;
  onProgress?: (runs: number, steps: number) => void;
}

export interface KernelCampaignResult {
  /** Why the kernel could not be used; the campaign did not run. */
  skipped?: string;
  ok: boolean;
  runs: number;
  interrupted: boolean;
  stats: Stats;
  /** Steps the executor's guard refused (never made on the kernel, nor by the model). */
  refused: number;
  counterexample?: Counterexample;
}

export async function runKernelCampaign(o: KernelCampaignOptions): Promise<KernelCampaignResult> {
  const stats = newStats();
  const mode = { unprivileged: o.unprivileged ?? false };
  const available = kernelAvailable(mode);
  if (!available.ok) return { skipped: available.reason, ok: true, runs: 0, interrupted: false, stats, refused: 0 };
  let failing = false;
  let firstSeen = '';
  let runs = 0;
  let refused = 0;
  const timers = o.timers ?? true;
  // Absolute timer targets are aimed at the machine's clocks, known once a program has read them.
  if (timers) await runOnKernel({ format: 1, kernel: 'current', env: { seed: 'clocks' }, steps: [{ task: 't0', call: 'read_uptime' }] }, mode);
  // An unprivileged campaign's programs say so themselves, so that a stored one replays the same way.
  const gen = programs({ maxSteps: o.maxSteps, kernelSafe: true, kernelTimers: timers ? { now: hostClocksEstimate } : false })
    .map((p): Program => (o.unprivileged ? { ...p, env: { ...p.env, start: 'user-namespace' } } : p));
  const property = fc.asyncProperty(gen, async (p: Program) => {
    const r = await compareOnKernel(p, createModel, { timeoutMs: 10_000, ...mode });
    if (!failing) {
      runs++;
      stats.programs++;
      refused += r.refused.length;
      for (const [i, s] of r.run.steps.entries()) if (!isRefused(s.obs)) countStep(stats, p.steps[i], s.obs);
      if (runs % 50 === 0) o.onProgress?.(runs, stats.steps);
    }
    if (r.disagreement && !failing) firstSeen = `${JSON.stringify(p)}\n${describeDisagreement(r.disagreement)}`;
    if (r.disagreement) failing = true;
    return r.disagreement === undefined;
  });
  const details = await fc.check(property, {
    seed: o.seed, numRuns: o.runs, interruptAfterTimeLimit: o.timeLimitMs, markInterruptAsFailure: false,
  });
  const result: KernelCampaignResult = { ok: !details.failed, runs, interrupted: details.interrupted, stats, refused };
  if (details.failed && details.counterexample) {
    const program = details.counterexample[0];
    const d = (await compareOnKernel(program, createModel, { timeoutMs: 10_000, ...mode })).disagreement;
    if (d) {
      result.counterexample = makeCounterexample('kernel', ['model', 'kernel'], program,
        { index: d.index, step: d.step, kind: 'observation', left: d.modelBefore, right: d.kernel },
        { seed: details.seed, path: details.counterexamplePath ?? undefined, runs: o.runs, maxSteps: o.maxSteps });
      result.counterexample.divergence.reason = d.reason;
    } else {
      // Timing decides some outcomes: the shrunk program no longer disagrees when run again.
      throw new Error(`a kernel disagreement did not reproduce on replay; first seen:\n${firstSeen}`);
    }
  }
  return result;
}
