// A campaign against Linux itself: generated kernel-safe programs run on this machine's kernel through the
// executor, and the model must allow every observation (kernel/compare.ts). fast-check shrinks a
// disagreement by rerunning candidates on the kernel, so what is stored is the shortest program it found.
import fc from 'fast-check';
import { createModel } from '../model/index.ts';
import { compareOnKernel, describeDisagreement } from '../kernel/compare.ts';
import { hostClocksEstimate, isRefused, kernelAvailable, runOnKernel } from '../kernel/driver.ts';
import { defaultExecutors, KernelPool } from '../kernel/pool.ts';
import { makeCounterexample } from '../harness/counterexample.ts';
import type { Counterexample } from '../harness/counterexample.ts';
import { countStep, newStats } from '../harness/stats.ts';
import type { Stats } from '../harness/stats.ts';
import type { Program } from '../vocab/index.ts';
import { inShard } from './campaign.ts';
import type { Shard } from './campaign.ts';
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
  /** Run only this part of the campaign (properties/campaign.ts Shard). */
  shard?: Shard;
  /** Executors running programs side by side (kernel/pool.ts; default two per CPU); 1 runs one
   *  program at a time on the shared executor. */
  executors?: number;
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
  /** The position in the campaign (from 0) of the program whose disagreement was shrunk. */
  failedProgram?: number;
  counterexample?: Counterexample;
}

export async function runKernelCampaign(o: KernelCampaignOptions): Promise<KernelCampaignResult> {
  const stats = newStats();
  const mode = { unprivileged: o.unprivileged ?? false };
  const available = kernelAvailable(mode);
  if (!available.ok) return { skipped: available.reason, ok: true, runs: 0, interrupted: false, stats, refused: 0 };
  let runs = 0;
  let refused = 0;
  const timers = o.timers ?? true;
  // Absolute timer targets are aimed at the machine's clocks, known once a program has read them.
  if (timers) await runOnKernel({ format: 1, kernel: 'current', env: { seed: 'clocks' }, steps: [{ task: 't0', call: 'read_uptime' }] }, mode);
  // An unprivileged campaign's programs say so themselves, so that a stored one replays the same way.
  const gen = programs({ maxSteps: o.maxSteps, kernelSafe: true, kernelTimers: timers ? { now: hostClocksEstimate } : false })
    .map((p): Program => (o.unprivileged ? { ...p, env: { ...p.env, start: 'user-namespace' } } : p));
  const executors = o.executors ?? defaultExecutors();
  const pool = executors > 1 ? new KernelPool({ executors }) : undefined;
  const compare = (p: Program) => (pool ? pool.compare(p, createModel, { timeoutMs: 10_000, ...mode }) : compareOnKernel(p, createModel, { timeoutMs: 10_000, ...mode }));
  // The earliest program (by position) the kernel disagreed on.
  let found: { position: number; program: Program; firstSeen: string } | undefined;
  let error: unknown;
  const inFlight = new Set<Promise<void>>();
  let generated = 0;
  // fast-check generates the campaign's programs one after another; each is handed to a free executor
  // and judged when its run ends, while the next ones run. A program is generated only once an
  // executor is free, so its absolute timer targets are aimed at the moment it starts.
  const property = fc.asyncProperty(gen, async (p: Program) => {
    const position = generated++;
    if (!inShard(o.shard, position) || found || error !== undefined) return true;
    const job: Promise<void> = compare(p).then((r) => {
      runs++;
      stats.programs++;
      refused += r.refused.length;
      for (const [i, s] of r.run.steps.entries()) if (!isRefused(s.obs)) countStep(stats, p.steps[i], s.obs);
      if (runs % 50 === 0) o.onProgress?.(runs, stats.steps);
      if (r.disagreement && (!found || position < found.position)) {
        found = { position, program: p, firstSeen: `${JSON.stringify(p)}\n${describeDisagreement(r.disagreement)}` };
      }
    }, (e) => { error ??= e; }).finally(() => inFlight.delete(job));
    inFlight.add(job);
    while (inFlight.size >= (pool?.size ?? 1)) await Promise.race(inFlight);
    return true;
  });
  let interrupted = false;
  try {
    const details = await fc.check(property, {
      seed: o.seed, numRuns: o.runs, interruptAfterTimeLimit: o.timeLimitMs, markInterruptAsFailure: false,
    });
    interrupted = details.interrupted;
    await Promise.all(inFlight);
  } finally {
    await pool?.close();
  }
  if (error !== undefined) throw error;
  const result: KernelCampaignResult = { ok: !found, runs, interrupted, stats, refused };
  if (found) {
    // Shrunk one candidate at a time on the shared executor, starting from the program that disagreed.
    const shrink = fc.asyncProperty(gen, async (p: Program) => (await compareOnKernel(p, createModel, { timeoutMs: 10_000, ...mode })).disagreement === undefined);
    const details = await fc.check(shrink, { seed: o.seed, examples: [[found.program]], numRuns: 1 });
    const program = details.counterexample?.[0];
    const d = program && (await compareOnKernel(program, createModel, { timeoutMs: 10_000, ...mode })).disagreement;
    if (!program || !d) {
      // Timing decides some outcomes: the program no longer disagrees when run again.
      throw new Error(`a kernel disagreement did not reproduce on replay; first seen:\n${found.firstSeen}`);
    }
    // The path of the shrunk program in the campaign itself: its position, then the shrink steps.
    const path = `${found.position}${(details.counterexamplePath ?? '0').replace(/^\d+/, '')}`;
    result.failedProgram = found.position;
    result.counterexample = makeCounterexample('kernel', ['model', 'kernel'], program,
      { index: d.index, step: d.step, kind: 'observation', left: d.modelBefore, right: d.kernel },
      { seed: o.seed, path, runs: o.runs, maxSteps: o.maxSteps });
    result.counterexample.divergence.reason = d.reason;
  }
  return result;
}
