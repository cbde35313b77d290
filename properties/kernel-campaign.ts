// A campaign against Linux itself: generated kernel-safe programs run on this machine's kernel through the
// executor, and the model must allow every observation (kernel/compare.ts). A campaign reports, it never
// stops at the first finding: timing decides some kernel outcomes, so every disagreement is replayed to see
// whether it reproduces. One that does is shrunk (by rerunning candidates on the kernel) and stored; one
// that does not is kept as it was seen, classified as such; a check that crashed is kept with its cause.
import fc from 'fast-check';
import { createModel } from '../model/index.ts';
import { compareOnKernel, describeDisagreement } from '../kernel/compare.ts';
import type { Comparison, Disagreement } from '../kernel/compare.ts';
import { hostClocksEstimate, isRefused, kernelAvailable, runOnKernel } from '../kernel/driver.ts';
import type { KernelRun, Odd } from '../kernel/driver.ts';
import { defaultExecutors, KernelPool } from '../kernel/pool.ts';
import { makeCounterexample } from '../harness/counterexample.ts';
import type { Counterexample } from '../harness/counterexample.ts';
import { countStep, newStats } from '../harness/stats.ts';
import type { Stats } from '../harness/stats.ts';
import type { BackendFactory, Program } from '../vocab/index.ts';
import { inShard } from './campaign.ts';
import type { Shard } from './campaign.ts';
import { programs } from './generate.ts';
import { KERNEL_BEHAVIOURS } from '../vocab/index.ts';
import type { KernelBehaviour } from '../vocab/index.ts';

/** The profile of a booted version: the version's own name. */
export function profileOf(version: string): KernelBehaviour {
  const p = KERNEL_BEHAVIOURS.find((b) => b === version);
  if (!p) throw new Error(`no kernel profile for Linux ${version} (profiles: ${KERNEL_BEHAVIOURS.join(', ')})`);
  return p;
}
import { shrinkProgram } from './shrink.ts';

/** What `timens campaign --against kernel` runs when given no other options. */
export { DEFAULT_KERNEL_CAMPAIGN } from './defaults.ts';

/** The divergence kind of a stored finding in which Linux hung, killed a task or gave an unnamed errno. */
export const LINUX_SIDE = 'linux-side';

/** How often a disagreement is run again to see whether it reproduces. */
export const REPLAYS = 3;
/** Reproduced disagreements shrunk per campaign; later ones are stored as found (shrinking reruns
 *  the kernel hundreds of times, and a model bug seen once is usually seen many times). */
const SHRINK_AT_MOST = 3;
/** While a hang is shrunk, a candidate must hang with this many times the time limit: the program kept
 *  then hangs with room to spare, not only when the machine happened to be slow (a candidate at the edge
 *  of the limit hangs on a loaded machine and not on its replays). */
const HANG_SHRINK_SCALE = 2;
/** A time budget for shrinking one disagreement (KernelCampaignOptions.shrinkBudgetMs). */
const SHRINK_BUDGET_MS = 120_000;

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
  /** Boot this kernel version under QEMU and run the programs there (kernel/vm.ts) rather than on this
   *  machine's kernel. Findings are stored with the version and the release booted. */
  kernel?: string;
  /** The side the kernel is judged against. Default: the model. */
  model?: BackendFactory;
  /** The time limit of one program's run (default 10 s). A step still running when it passes is
   *  observed as hung ({hung: true}), a Linux-side departure like any other finding. */
  timeoutMs?: number;
  /** The programs to run instead of generated ones (tests plant programs with this). */
  programs?: fc.Arbitrary<Program>;
  /** Time spent shrinking one reproduced disagreement on the kernel, at most (default 120 s): the
   *  smallest program found by then is stored. */
  shrinkBudgetMs?: number;
  /** Run only this part of the campaign (properties/campaign.ts Shard). */
  shard?: Shard;
  /** Executors running programs side by side (kernel/pool.ts; default two per CPU); 1 runs one
   *  program at a time on the shared executor. */
  executors?: number;
  onProgress?: (runs: number, steps: number) => void;
  /** Called with each finding as it is made (a disagreement after its replays, or a crash). */
  onFinding?: (f: KernelFinding) => void;
}

/** A disagreement, with how often it came back when the same program ran again. */
export interface KernelDisagreement {
  kind: 'reproduced' | 'not reproduced';
  /** The program's position in the campaign (from 0). */
  position: number;
  /** The program as generated, and what the kernel and the models showed at the step they parted. */
  program: Program;
  first: Disagreement;
  /** Replays of the program that disagreed at the same step, out of `of`; every replay's outcome. */
  replays: { reproduced: number; of: number; seen: string[] };
  /** A counterexample to store: shrunk when reproduced (if shrinking kept it reproducing), else the
   *  program as found. */
  counterexample: Counterexample;
}

/** A check that could not complete: the program, and the underlying error (message and stack). */
export interface KernelCrash {
  kind: 'crash';
  /** The program's position in the campaign (from 0). */
  position: number;
  program: Program;
  error: string;
}

export type KernelFinding = KernelDisagreement | KernelCrash;

export interface KernelCampaignResult {
  /** Why the kernel could not be used; the campaign did not run. */
  skipped?: string;
  /** The release of the kernel the programs ran on (uname -r). */
  release: string;
  /** No disagreement (reproduced or not) and no crash. */
  ok: boolean;
  runs: number;
  interrupted: boolean;
  stats: Stats;
  /** Steps the executor's guard refused (never made on the kernel, nor by the model). */
  refused: number;
  reproduced: KernelDisagreement[];
  notReproduced: KernelDisagreement[];
  crashes: KernelCrash[];
}

type Checked = { comparison: Comparison & { run: KernelRun } } | { error: string };

function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
}

export async function runKernelCampaign(o: KernelCampaignOptions): Promise<KernelCampaignResult> {
  const stats = newStats();
  const mode = { unprivileged: o.unprivileged ?? false, ...(o.kernel !== undefined ? { kernel: o.kernel } : {}) };
  const model = o.model ?? createModel;
  const result: KernelCampaignResult = {
    ok: true, release: '', runs: 0, interrupted: false, stats, refused: 0, reproduced: [], notReproduced: [], crashes: [],
  };
  const available = kernelAvailable(mode);
  if (!available.ok) return { ...result, skipped: available.reason };
  // A booted kernel is one emulated CPU per executor: by default one, so that judging has the other CPU.
  const executors = o.executors ?? (o.kernel !== undefined ? 1 : defaultExecutors());
  const pool = executors > 1 ? new KernelPool({ executors }) : undefined;
  const check = async (p: Program, limitScale = 1): Promise<Checked> => {
    try {
      const options = { timeoutMs: (o.timeoutMs ?? 10_000) * limitScale, ...mode };
      return { comparison: await (pool ? pool.compare(p, model, options) : compareOnKernel(p, model, options)) };
    } catch (e) {
      return { error: errorText(e) };
    }
  };
  const timers = o.timers ?? true;
  // Absolute timer targets are aimed at the machine's clocks, known once a program has read them.
  // (A booted kernel boots here, and its release is known from then on.)
  result.release = (await runOnKernel({ format: 1, kernel: 'current', env: { seed: 'clocks' }, steps: [{ task: 't0', call: 'read_uptime' }] }, mode)).release;
  const booted = o.kernel !== undefined ? { version: o.kernel, release: result.release } : undefined;
  // An unprivileged campaign's programs say so themselves, so that a stored one replays the same way.
  // Programs for a booted version assume that version's behaviour (its profile has the version's name).
  const kernel = o.kernel !== undefined ? profileOf(o.kernel) : 'current';
  const gen = (o.programs ?? programs({ maxSteps: o.maxSteps, kernelSafe: true, kernelTimers: timers ? { now: hostClocksEstimate } : false, kernel }))
    .map((p): Program => (o.unprivileged ? { ...p, env: { ...p.env, start: 'user-namespace' } } : p));
  const found = (path: number) => ({ seed: o.seed, path: String(path), runs: o.runs, maxSteps: o.maxSteps });
  // fast-check generates the campaign's programs one after another (program i depends only on the seed
  // and i, so a shard runs its own and skips the rest); each is handed to a free executor and judged when
  // its run ends, while the next ones run. A program is generated only once an executor is free, so its
  // absolute timer targets are aimed at the moment it starts.
  let generated = 0;
  const inFlight = new Set<Promise<void>>();
  const judge = async (p: Program, position: number): Promise<void> => {
    result.runs++;
    stats.programs++;
    const c = await check(p);
    if ('error' in c) {
      const crash: KernelCrash = { kind: 'crash', program: p, error: c.error, position };
      result.crashes.push(crash);
      o.onFinding?.(crash);
    } else {
      result.refused += c.comparison.refused.length;
      for (const [i, s] of c.comparison.run.steps.entries()) if (!isRefused(s.obs)) countStep(stats, p.steps[i], s.obs);
      if (c.comparison.disagreement) {
        const shrinkMs = result.reproduced.length < SHRINK_AT_MOST ? o.shrinkBudgetMs ?? SHRINK_BUDGET_MS : 0;
        const d = await classify(p, c.comparison.disagreement, check, found(position), shrinkMs, booted);
        d.position = position;
        (d.kind === 'reproduced' ? result.reproduced : result.notReproduced).push(d);
        o.onFinding?.(d);
      }
    }
    if (result.runs % 50 === 0) o.onProgress?.(result.runs, stats.steps);
  };
  const property = fc.asyncProperty(gen, async (p: Program) => {
    const position = generated++;
    if (!inShard(o.shard, position)) return true;
    const job: Promise<void> = judge(p, position).finally(() => inFlight.delete(job));
    inFlight.add(job);
    while (inFlight.size >= (pool?.size ?? 1)) await Promise.race(inFlight);
    // Never a failure for fast-check: findings are collected, and the campaign goes on.
    return true;
  });
  try {
    const details = await fc.check(property, {
      seed: o.seed, numRuns: o.runs, interruptAfterTimeLimit: o.timeLimitMs, markInterruptAsFailure: false,
    });
    await Promise.all(inFlight);
    // The property never fails: an error here is fast-check's own, and is shown as such.
    if (details.failed) throw new Error(`the kernel campaign itself failed: ${errorText(details.errorInstance)}`);
    result.interrupted = details.interrupted;
  } finally {
    await pool?.close();
  }
  // Findings in campaign order, whatever order the executors finished in.
  for (const list of [result.reproduced, result.notReproduced, result.crashes]) list.sort((x, y) => x.position - y.position);
  result.ok = result.reproduced.length === 0 && result.notReproduced.length === 0 && result.crashes.length === 0;
  return result;
}

/** Whether a rerun shows the same finding: a disagreement at the same step; for a hang, a hang at any
 *  step (where a time limit falls in a program depends on how fast the machine ran it). */
function sameFinding(first: Disagreement, d: Disagreement): boolean {
  if ((first.kernel as Odd).hung) return (d.kernel as Odd).hung === true;
  return d.index === first.index;
}

/** The same program run REPLAYS times more: how often it disagreed at the same step. */
/** Runs a program on the kernel and judges it; limitScale multiplies the campaign's time limit. */
type Check = (p: Program, limitScale?: number) => Promise<Checked>;

async function replay(p: Program, first: Disagreement, check: Check): Promise<KernelDisagreement['replays']> {
  const replays = { reproduced: 0, of: REPLAYS, seen: [] as string[] };
  for (let i = 0; i < REPLAYS; i++) {
    const c = await check(p);
    if ('error' in c) replays.seen.push(`crashed: ${c.error.split('\n')[0]}`);
    else if (!c.comparison.disagreement) replays.seen.push('agreed');
    else {
      const d = c.comparison.disagreement;
      if (sameFinding(first, d)) replays.reproduced++;
      replays.seen.push(`disagreed at step ${d.index}: ${d.reason}`);
    }
  }
  return replays;
}

function counterexampleOf(
  p: Program, d: Disagreement, found: Counterexample['found'], property: string, replays: KernelDisagreement['replays'], booted?: Counterexample['booted'],
): Counterexample {
  // What Linux did that no model answer can be (a hang, a killed task) is a departure on Linux's side.
  const c = makeCounterexample(property, ['model', 'kernel'], p,
    { index: d.index, step: d.step, kind: 'observation', left: d.modelBefore, right: d.kernel }, found);
  if (d.linuxSide) c.divergence.kind = LINUX_SIDE;
  c.divergence.reason = d.reason;
  c.divergence.modelAfter = d.modelAfter;
  c.replays = { reproduced: replays.reproduced, of: replays.of };
  if (booted) c.booted = booted;
  return c;
}

/** A disagreement replayed, and when it reproduces, shrunk for at most shrinkMs (0: not shrunk). */
async function classify(
  p: Program, first: Disagreement, check: Check, found: Counterexample['found'], shrinkMs: number,
  booted?: Counterexample['booted'],
): Promise<KernelDisagreement> {
  const replays = await replay(p, first, check);
  if (replays.reproduced === 0) {
    return { kind: 'not reproduced', position: -1, program: p, first, replays, counterexample: counterexampleOf(p, first, found, 'kernel-unreproduced', replays, booted) };
  }
  const done: KernelDisagreement = { kind: 'reproduced', position: -1, program: p, first, replays, counterexample: counterexampleOf(p, first, found, 'kernel', replays, booted) };
  if (shrinkMs === 0) return done;
  const shrunk = await shrinkOnKernel(p, first, check, shrinkMs);
  if (shrunk.program === p) return done;
  // The shrunk program is stored only if it reproduces as well.
  const again = await replay(shrunk.program, shrunk.disagreement, check);
  if (again.reproduced === 0) return done;
  return { ...done, counterexample: counterexampleOf(shrunk.program, shrunk.disagreement, found, 'kernel', again, booted) };
}

/** Greedy shrinking on the kernel: the first candidate (properties/shrink.ts order) that disagrees on
 *  two runs in a row replaces the program, until none does or the budget (ms) is spent. Two runs, so
 *  that shrinking does not wander off to a disagreement that timing made once. */
async function shrinkOnKernel(
  p: Program, d: Disagreement, check: Check, budgetMs: number,
): Promise<{ program: Program; disagreement: Disagreement }> {
  const deadline = process.hrtime.bigint() + BigInt(budgetMs) * 1_000_000n;
  let best = { program: p, disagreement: d };
  const hang = (d.kernel as Odd).hung === true;
  const disagrees = async (q: Program): Promise<Disagreement | undefined> => {
    const c = await check(q, hang ? HANG_SHRINK_SCALE : 1);
    const found = 'error' in c ? undefined : c.comparison.disagreement;
    // A hang shrinks to a smaller hang, not to whatever else the smaller program shows.
    return found && (!hang || (found.kernel as Odd).hung) ? found : undefined;
  };
  for (let progress = true; progress && process.hrtime.bigint() < deadline;) {
    progress = false;
    for (const candidate of shrinkProgram(best.program)) {
      if (process.hrtime.bigint() >= deadline) break;
      const first = await disagrees(candidate);
      if (!first || !(await disagrees(candidate))) continue;
      best = { program: candidate, disagreement: first };
      progress = true;
      break;
    }
  }
  return best;
}

/** Every finding, for people: both observations, the program, and how often it came back. */
export function describeFinding(f: KernelFinding): string {
  if (f.kind === 'crash') return `CRASH in a check:\n  program: ${JSON.stringify(f.program)}\n  ${f.error.replace(/\n/g, '\n  ')}`;
  return [
    `DISAGREEMENT (${f.kind}: ${f.replays.reproduced} of ${f.replays.of} replays disagreed at the same step)`,
    `  program: ${JSON.stringify(f.program)}`,
    `  ${describeDisagreement(f.first).replace(/\n/g, '\n  ')}`,
    `  replays: ${f.replays.seen.join('; ')}`,
  ].join('\n');
}

/** The end of a campaign in one line of counts. */
export function findingCounts(r: KernelCampaignResult): string {
  return `${r.reproduced.length} disagreement(s) reproduced, ${r.notReproduced.length} not reproduced, ${r.crashes.length} check(s) crashed`;
}

/** Every finding of a campaign, each in full, after the counts. */
export function describeFindings(r: KernelCampaignResult): string {
  return [findingCounts(r), ...[...r.reproduced, ...r.notReproduced, ...r.crashes].map(describeFinding)].join('\n\n');
}
