// Campaigns split across machines: `campaign --shard K/N --out DIR` runs part K of N (properties/campaign.ts
// Shard) and writes what it found to DIR/result.json, beside the counterexample files it stored in DIR;
// `merge DIR...` checks that the parts are the N parts of one campaign and combines them into the summary
// the whole campaign prints.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { mergeStats, newStats } from '../harness/stats.ts';
import type { Stats } from '../harness/stats.ts';
import type { Shard } from '../properties/campaign.ts';

export const RESULT_FILE = 'result.json';
export const RESULT_FORMAT = 1;

/** A bad shard list or result file: exit status 2, nothing merged. */
export class ShardError extends Error {}

/** "K/N" as a Shard, or why not. */
export function parseShard(text: string): Shard | string {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(text);
  if (!m) return `--shard takes K/N (part K of N, e.g. 2/3), got ${JSON.stringify(text)}`;
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1 || index < 1 || index > count) return `--shard ${text}: K must be 1..N and N at least 1`;
  return { index, count };
}

/** One divergence a shard found: which program of the campaign, and its stored counterexample. */
export interface ShardDivergence {
  /** The program's position in the campaign (from 0). */
  program: number;
  /** The counterexample file, beside result.json. */
  file: string;
  /** Steps of the shrunk program, and the step at which the sides first differ. */
  steps: number;
  step: number;
  reason?: string;
}

export interface ShardResult {
  campaignShard: typeof RESULT_FORMAT;
  /** What the campaign checks: impl or this machine's Linux against the model. */
  against: 'impl' | 'kernel';
  unprivileged: boolean;
  /** The kernel version booted under QEMU; absent for this machine's own. */
  kernel?: string;
  seed: number;
  runs: number;
  maxSteps: number;
  shard: Shard;
  /** Programs this shard ran. */
  ran: number;
  interrupted: boolean;
  seconds: number;
  /** Kernel campaigns: steps refused by the executor's guard. */
  refused?: number;
  stats: Stats;
  divergences: ShardDivergence[];
}

export function writeShardResult(dir: string, r: ShardResult): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, RESULT_FILE);
  writeFileSync(path, `${JSON.stringify(r, null, 1)}\n`);
  return path;
}

/** DIR (holding result.json) or the result file itself. */
function resultPath(arg: string): string {
  return existsSync(arg) && statSync(arg).isDirectory() ? join(arg, RESULT_FILE) : arg;
}

export function readShardResult(arg: string): ShardResult & { path: string } {
  const path = resultPath(arg);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ShardError(`${path}: not a shard result (${why})`);
  }
  const v = value as Partial<ShardResult>;
  if (typeof v !== 'object' || v === null || v.campaignShard !== RESULT_FORMAT) throw new ShardError(`${path}: not a shard result (campaignShard: expected ${RESULT_FORMAT})`);
  for (const k of ['seed', 'runs', 'maxSteps', 'ran', 'seconds'] as const) {
    if (typeof v[k] !== 'number') throw new ShardError(`${path}: ${k}: expected a number`);
  }
  if (v.against !== 'impl' && v.against !== 'kernel') throw new ShardError(`${path}: against: expected "impl" or "kernel"`);
  if (typeof v.shard !== 'object' || v.shard === null || typeof v.shard.index !== 'number' || typeof v.shard.count !== 'number') {
    throw new ShardError(`${path}: shard: expected {index, count}`);
  }
  if (typeof v.stats !== 'object' || v.stats === null || !Array.isArray(v.divergences)) throw new ShardError(`${path}: stats and divergences expected`);
  return { ...(v as ShardResult), path };
}

export interface Merged {
  /** The shards, in order 1..N. */
  shards: (ShardResult & { path: string })[];
  stats: Stats;
  ran: number;
  refused: number;
  seconds: number;
  interrupted: Shard[];
  /** Every divergence, earliest program first, with the result file it came with. */
  divergences: (ShardDivergence & { shard: Shard; from: string })[];
}

export function describeCampaign(r: Pick<ShardResult, 'against' | 'unprivileged' | 'kernel' | 'seed' | 'runs' | 'maxSteps'>): string {
  const linux = r.kernel !== undefined ? `Linux ${r.kernel} booted under QEMU` : "this machine's Linux";
  return `${r.against === 'kernel' ? `model against ${linux}${r.unprivileged ? ' as nobody' : ''}` : 'model against impl'}, seed ${r.seed}, ${r.runs} programs of up to ${r.maxSteps} steps`;
}

/** Checks that the results are the N parts of one campaign, each once, and combines them. */
export function mergeShards(args: string[]): Merged {
  if (args.length === 0) throw new ShardError('merge needs the result of every shard (DIR or DIR/result.json)');
  const results = args.map(readShardResult);
  const first = results[0];
  const n = first.shard.count;
  for (const r of results) {
    for (const k of ['against', 'unprivileged', 'kernel', 'seed', 'runs', 'maxSteps'] as const) {
      if (r[k] !== first[k]) {
        throw new ShardError(`shards of different campaigns: ${r.path} has ${k} ${JSON.stringify(r[k])}, ${first.path} has ${JSON.stringify(first[k])}`);
      }
    }
    if (r.shard.count !== n) throw new ShardError(`shards of different splits: ${r.path} is shard ${r.shard.index}/${r.shard.count}, ${first.path} is shard ${first.shard.index}/${n}`);
  }
  const byIndex = new Map<number, ShardResult & { path: string }>();
  for (const r of results) {
    const seen = byIndex.get(r.shard.index);
    if (seen) throw new ShardError(`shard ${r.shard.index}/${n} given twice: ${seen.path} and ${r.path}`);
    byIndex.set(r.shard.index, r);
  }
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length) throw new ShardError(`missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${n}`).join(', ')} of ${describeCampaign(first)}`);
  const shards = [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!);
  const stats = newStats();
  for (const r of shards) mergeStats(stats, r.stats);
  const divergences = shards.flatMap((r) => r.divergences.map((d) => ({ ...d, shard: r.shard, from: r.path })))
    .sort((a, b) => a.program - b.program);
  return {
    shards, stats, divergences,
    ran: shards.reduce((t, r) => t + r.ran, 0),
    refused: shards.reduce((t, r) => t + (r.refused ?? 0), 0),
    seconds: shards.reduce((t, r) => t + r.seconds, 0),
    interrupted: shards.filter((r) => r.interrupted).map((r) => r.shard),
  };
}

/** Copies a divergence's counterexample file into `out`; returns its new path. */
export function collectCounterexample(d: { file: string; from: string }, out: string): string {
  const source = join(dirname(d.from), d.file);
  if (!existsSync(source)) throw new ShardError(`${d.from} names ${d.file}, which is not beside it`);
  mkdirSync(out, { recursive: true });
  const target = join(out, basename(d.file));
  if (source !== target) copyFileSync(source, target);
  return target;
}
