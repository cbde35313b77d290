// Campaigns split into shards and merged back, as a CI matrix runs them: the parts are disjoint and
// reproducible, together they are the whole campaign, and merge refuses anything but the N parts of one.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeShards, parseShard, ShardError } from '../cli/shards.ts';
import { gate, kernelGate } from './kernel/skip.ts';
import { tsx } from './tsx.ts';

const dir = mkdtempSync(join(tmpdir(), 'timens-shard-'));
type Run = { status: number | null; out: string; err: string };
function cli(args: string[]): Run {
  const r = spawnSync(...tsx('cli/main.ts', args), { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}
/** The same, as a promise: independent runs go side by side, as the jobs of a CI matrix do. */
function cliAsync(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(...tsx('cli/main.ts', args));
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('close', (status) => resolve({ status, out, err }));
  });
}
/** The statistics a campaign or a merge prints: from "programs:" up to the summary line. */
function statsBlock(out: string): string {
  const from = out.indexOf('\nprograms: ');
  const to = out.indexOf('\nsummary: ');
  expect(from, out).toBeGreaterThanOrEqual(0);
  return out.slice(from, to).trim();
}
function result(path: string) {
  return JSON.parse(readFileSync(join(path, 'result.json'), 'utf8'));
}

const CAMPAIGN = ['campaign', '--seed', '11', '--runs', '60', '--steps', '20'];
const shardDir = (k: number) => join(dir, `impl-${k}`);

describe('a campaign split three ways', () => {
  let whole: Run;
  let again: Run;
  beforeAll(async () => {
    const runs = await Promise.all([
      cliAsync(CAMPAIGN),
      ...[1, 2, 3].map((k) => cliAsync([...CAMPAIGN, '--shard', `${k}/3`, '--out', shardDir(k)])),
      cliAsync([...CAMPAIGN, '--shard', '2/3', '--out', join(dir, 'impl-2-again')]),
    ]);
    for (const r of runs) expect(r.status, r.err).toBe(0);
    [whole, again] = [runs[0], runs[4]];
  }, 180_000);

  it('merges into exactly the statistics of the whole campaign', () => {
    expect(whole.status, whole.err).toBe(0);
    const merged = cli(['merge', shardDir(1), shardDir(2), shardDir(3)]);
    expect(merged.status, merged.err).toBe(0);
    expect(statsBlock(merged.out)).toBe(statsBlock(whole.out));
    expect(statsBlock(whole.out)).toMatch(/^programs: 60 /);
    expect(merged.out).toMatch(/summary: 60 programs, \d+ steps checked, no divergence/);
  }, 60_000);

  it('gives each shard its own third of the programs, the same each time it runs', () => {
    const parts = [1, 2, 3].map((k) => result(shardDir(k)));
    expect(parts.map((p) => p.ran)).toEqual([20, 20, 20]);
    // Different programs: the shards' step counts differ from one another (programs vary in length).
    expect(new Set(parts.map((p) => p.stats.steps)).size).toBeGreaterThan(1);
    expect(again.out).toMatch(/shard 2\/3/);
    expect(result(join(dir, 'impl-2-again')).stats).toEqual(parts[1].stats);
  }, 60_000);

  it('refuses a missing shard with exit 2, merging nothing', () => {
    const missing = cli(['merge', shardDir(1), shardDir(3)]);
    expect(missing.status).toBe(2);
    expect(missing.err).toMatch(/merge refused: missing shard 2\/3 of model against impl, seed 11/);
    expect(missing.out).toBe('');
  }, 60_000);

  it('refuses a shard given twice, shards of another campaign or split, and files that are no result', () => {
    const refusal = (args: string[]) => {
      try {
        mergeShards(args);
      } catch (e) {
        expect(e).toBeInstanceOf(ShardError);
        return (e as Error).message;
      }
      return expect.fail(`merged ${args.join(' ')}`);
    };
    expect(refusal([shardDir(1), shardDir(2), join(shardDir(2), 'result.json'), shardDir(3)])).toMatch(/shard 2\/3 given twice/);
    for (const [field, change, message] of [
      ['seed', { seed: 12 }, /different campaigns: .* has seed 12/],
      ['steps', { maxSteps: 21 }, /different campaigns: .* has maxSteps 21/],
      ['runs', { runs: 61 }, /different campaigns: .* has runs 61/],
      ['against', { against: 'kernel' }, /different campaigns: .* has against "kernel"/],
      ['split', { shard: { index: 3, count: 4 } }, /different splits: .* is shard 3\/4/],
    ] as const) {
      const odd = join(dir, `odd-${field}`);
      mkdirSync(odd, { recursive: true });
      writeFileSync(join(odd, 'result.json'), JSON.stringify({ ...result(shardDir(3)), ...change }));
      expect(refusal([shardDir(1), shardDir(2), odd]), field).toMatch(message);
    }
    expect(refusal([shardDir(1), 'package.json'])).toMatch(/package.json: not a shard result/);
    expect(refusal([shardDir(1), join(dir, 'absent')])).toMatch(/absent: not a shard result \(ENOENT\)/);
    expect(refusal([])).toMatch(/merge needs the result of every shard/);
  });
});

describe('--shard on the command line', () => {
  it('reads K/N, 1 <= K <= N', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '2', 'a/b', '1/0', '-1/2', '1/2/3']) expect(typeof parseShard(bad), bad).toBe('string');
  });

  it('refuses a bad --shard with exit 2, running nothing', () => {
    const r = cli(['campaign', '--runs', '1', '--shard', '4/3']);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/--shard 4\/3: K must be 1..N/);
    expect(r.out).toBe('');
  }, 30_000);

  it('refuses --seed random with --shard: every part must generate the same programs', () => {
    const r = cli(['campaign', '--runs', '1', '--seed', 'random', '--shard', '1/2']);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/same --seed N in every part/);
  }, 30_000);
});

describe('merging shards that found divergences', () => {
  it('reports the earliest program first, collects every counterexample, and exits 1', () => {
    const stored = readdirSync('counterexamples').filter((f) => f.startsWith('refinement-') && f.endsWith('.json')).slice(0, 2);
    expect(stored).toHaveLength(2);
    const parts = [1, 2].map((k) => join(dir, `found-${k}`));
    const base = { campaignShard: 1, against: 'impl', unprivileged: false, seed: 3, runs: 10, maxSteps: 20, interrupted: false, seconds: 1 };
    const stats = { programs: 2, steps: 5, outcomes: { unshare: { ok: 5 } }, states: {} };
    parts.forEach((p, i) => {
      mkdirSync(p, { recursive: true });
      copyFileSync(join('counterexamples', stored[i]), join(p, stored[i]));
      // Shard 1 failed at program 6, shard 2 at program 3 (the earlier one).
      const program = i === 0 ? 6 : 3;
      writeFileSync(join(p, 'result.json'), JSON.stringify({
        ...base, shard: { index: i + 1, count: 2 }, ran: 2, stats, divergences: [{ program, file: stored[i], steps: 4, step: 2 }],
      }));
    });
    const out = join(dir, 'collected');
    const r = cli(['merge', ...parts, '--out', out]);
    expect(r.status, r.err).toBe(1);
    expect(statsBlock(r.out)).toMatch(/^programs: 4 {3}steps: 10\n/);
    expect(r.out).toMatch(/program 3 \(shard 2\/2\)[^\n]*\n {2}program 6 \(shard 1\/2\)/);
    expect(r.out).toMatch(new RegExp(`summary: DIVERGENCE at program 3 \\(2 in all\\).*${stored[1].replace(/\./g, '\\.')}`));
    expect(readdirSync(out).sort()).toEqual([...stored].sort());
  }, 60_000);
});

describe('a kernel campaign split two ways', () => {
  gate(kernelGate);
  it('runs each half on the kernel and merges them into the whole campaign', async () => {
    const args = ['campaign', '--against', 'kernel', '--seed', '4', '--runs', '16', '--steps', '8'];
    const runs = await Promise.all([1, 2].map((k) => cliAsync([...args, '--shard', `${k}/2`, '--out', join(dir, `kernel-${k}`)])));
    for (const [i, r] of runs.entries()) {
      expect(r.status, r.out + r.err).toBe(0);
      expect(result(join(dir, `kernel-${i + 1}`)).ran).toBe(8);
    }
    const merged = cli(['merge', join(dir, 'kernel-1'), join(dir, 'kernel-2')]);
    expect(merged.status, merged.err).toBe(0);
    expect(merged.out).toMatch(/campaign: model against this machine's Linux, seed 4, 16 programs/);
    expect(merged.out).toMatch(/summary: 16 programs, \d+ kernel steps, the model allowed every observation/);
  }, 180_000);
});
