// The command line: campaigns, replay of stored counterexamples, and single programs on one side.
// Exit status: 0 all agreed, 1 a divergence (found or still present), 2 bad input.
// Only what every command needs (reading files, refusing bad input, the usage text) is loaded at the
// start; each command loads the rest when it runs, so that a refusal or a --help costs no model, impl,
// generator or kernel driver.
import { basename, join } from 'node:path';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readCounterexample, writeCounterexample } from '../harness/counterexample.ts';
import type { Counterexample } from '../harness/counterexample.ts';
import { ProgramError } from '../harness/program.ts';
import { DEFAULT_CAMPAIGN, DEFAULT_KERNEL_CAMPAIGN } from '../properties/defaults.ts';
import type { KernelFinding } from '../properties/kernel-campaign.ts';
import type { Shard } from '../properties/campaign.ts';
import { kernelAvailable, notOnKernel } from '../kernel/driver.ts';
import { KERNEL_PACKAGES } from '../kernel/vm.ts';
import type { Program } from '../vocab/index.ts';
import { collectCounterexample, describeCampaign, mergeShards, parseShard, readShardResult, ShardError, writeShardResult } from './shards.ts';
import type { ShardResult } from './shards.ts';

/** Each command's usage: `timens COMMAND --help` prints its own, `timens --help` all of them. */
const COMMAND_USAGE: Record<string, string> = {
  'campaign': `  timens campaign [--against impl|kernel] [--seed N|random] [--runs N] [--steps N] [--time-limit SECONDS] [--out DIR] [--unprivileged yes]
                  [--shard K/N] [--executors N] [--kernel VERSION]
      Generate programs, run them on the model and impl in lock-step, compare every observation and the
      abstract state after every step; shrink and store the first divergence. Prints statistics.
      --against kernel runs kernel-safe programs on this machine's Linux and requires the model to
      allow every observation (default ${DEFAULT_KERNEL_CAMPAIGN.runs} programs of up to ${DEFAULT_KERNEL_CAMPAIGN.maxSteps} steps);
      --unprivileged yes runs them as nobody, from a user namespace the executor makes;
      --executors N runs that many programs side by side on the kernel (default two per CPU);
      --kernel VERSION (${Object.keys(KERNEL_PACKAGES).join(', ')}) boots that Linux under QEMU and runs the
      programs there (default: this machine's kernel; one executor unless --executors says more).
      --shard K/N runs part K of N of the campaign (program i goes to part i mod N + 1) and writes
      DIR/result.json (default DIR: campaign-shard-K-of-N) beside its counterexamples, for merge.`,
  'merge': `  timens merge DIR...
      Check that the results are the N parts of one campaign, each once, and print the campaign's
      statistics and summary; copy their counterexamples to --out DIR (default counterexamples).
      Exit 1 if any part found a divergence, 2 if the parts do not make one campaign.`,
  'replay': `  timens replay FILE...
      Replay stored counterexamples (or bare programs) exactly; print both sides and the first difference.
      Exit 1 while any still differs, 0 once all agree.`,
  'run': `  timens run FILE [--side model|impl|kernel] [--kernel VERSION]
      Run one program on one side and print one JSON observation per line; --side kernel --kernel
      VERSION runs it on that Linux booted under QEMU. TIMENS_SIDES=MODULE adds the sides MODULE exports.`,
  'check': `  timens check FILE...
      Read programs or counterexample files and report the first bad field, if any.`,
  'report': `  timens report FILE [-o OUT.html]
  timens report DIR... [-o OUT.html]
      One self-contained HTML page: for a counterexample, its tasks and time namespaces as a sequence
      diagram over the steps, each side's observations and the first difference marked; for campaign
      results (DIR or DIR/result.json of one or more shards), the statistics as charts.`,
  'export-c': `  timens export-c FILE [-o OUT.c]
      Write a self-contained C program (libc only) that replays FILE on Linux as the kernel backend does
      and checks every step against the model's observation, printing the first departure (exit 1).
      The model runs on this machine's environment and clocks when the kernel can be used here.`,
};
const USAGE = `usage:\n${Object.values(COMMAND_USAGE).join('\n')}`;

class UsageError extends Error {}

/** fast-check takes 32 bits of a seed (a larger one wraps onto a smaller one, and past 2^53 a number is
 *  not even the one typed), so a seed is a whole number from 0 to 2^32 - 1, taken exactly, or refused. */
export const SEED_MAX = 0xffffffffn;

function parseSeed(text: string): number {
  if (!/^[0-9]+$/.test(text) || BigInt(text) > SEED_MAX) {
    throw new UsageError(`--seed takes a whole number from 0 to ${SEED_MAX} (fast-check's seeds are 32 bits) or "random", got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** A kernel version the harness knows how to boot, or none. */
function checkVersion(v: string | undefined): void {
  if (v !== undefined && !(v in KERNEL_PACKAGES)) throw new UsageError(`--kernel takes one of ${Object.keys(KERNEL_PACKAGES).join(', ')}, got ${JSON.stringify(v)}`);
}

function parseFlags(args: string[], known: Record<string, 'number' | 'string'>): { flags: Record<string, string>; rest: string[] } {
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--') && a !== '-o') { rest.push(a); continue; }
    const name = a === '-o' ? 'out' : a.slice(2);
    if (!(name in known)) throw new UsageError(`unknown option ${a}`);
    const v = args[++i];
    if (v === undefined) throw new UsageError(`${a} needs a value`);
    if (known[name] === 'number' && !(v === 'random' && name === 'seed') && !/^[0-9]+$/.test(v)) throw new UsageError(`${a} takes a whole number, got ${JSON.stringify(v)}`);
    flags[name] = v;
  }
  return { flags, rest };
}

async function campaign(args: string[]): Promise<number> {
  const { flags, rest } = parseFlags(args, {
    against: 'string', seed: 'number', runs: 'number', steps: 'number', 'time-limit': 'number', out: 'string', unprivileged: 'string',
    shard: 'string', executors: 'number', kernel: 'string',
  });
  if (flags.kernel !== undefined && flags.against !== 'kernel') throw new UsageError('--kernel goes with --against kernel');
  checkVersion(flags.kernel);
  if (flags.kernel !== undefined && flags.unprivileged) throw new UsageError('--unprivileged is not supported with --kernel: the booted executor runs as root');
  if (flags.unprivileged !== undefined && flags.unprivileged !== 'yes') throw new UsageError(`--unprivileged takes "yes", got ${JSON.stringify(flags.unprivileged)}`);
  if (flags.unprivileged && flags.against !== 'kernel') throw new UsageError('--unprivileged goes with --against kernel');
  if (rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
  const against = flags.against ?? 'impl';
  if (against !== 'impl' && against !== 'kernel') throw new UsageError(`--against takes impl or kernel, got ${JSON.stringify(against)}`);
  const defaults = against === 'kernel' ? DEFAULT_KERNEL_CAMPAIGN : DEFAULT_CAMPAIGN;
  const seed = flags.seed === 'random' ? (Date.now() ^ (process.pid << 8)) >>> 0 : flags.seed !== undefined ? parseSeed(flags.seed) : defaults.seed;
  const runs = Number(flags.runs ?? defaults.runs);
  const maxSteps = Number(flags.steps ?? defaults.maxSteps);
  const timeLimit = flags['time-limit'] ? Number(flags['time-limit']) : undefined;
  if (runs < 1 || maxSteps < 1) throw new UsageError('--runs and --steps must be at least 1');
  let shard: Shard | undefined;
  if (flags.shard !== undefined) {
    const parsed = parseShard(flags.shard);
    if (typeof parsed === 'string') throw new UsageError(parsed);
    // Every part must generate the same stream of programs.
    if (flags.seed === 'random') throw new UsageError('--shard needs the same --seed N in every part, not --seed random');
    shard = parsed;
  }
  if (flags.executors !== undefined && against !== 'kernel') throw new UsageError('--executors goes with --against kernel');
  if (flags.executors !== undefined && Number(flags.executors) < 1) throw new UsageError('--executors must be at least 1');
  const out = flags.out ?? (shard ? `campaign-shard-${shard.index}-of-${shard.count}` : 'counterexamples');
  const part = shard ? `, shard ${shard.index}/${shard.count}` : '';
  const base = {
    against: against as 'impl' | 'kernel', unprivileged: flags.unprivileged === 'yes', ...(flags.kernel !== undefined ? { kernel: flags.kernel } : {}), seed, runs, maxSteps,
  };
  if (against === 'kernel') {
    return kernelCampaign(seed, runs, maxSteps, timeLimit, out, flags.unprivileged === 'yes', shard,
      flags.executors === undefined ? undefined : Number(flags.executors), flags.kernel, base);
  }
  const [{ runCampaign }, { runDifferential }, { formatStats }, { formatSideBySide }, { sideFactory }] = await Promise.all([
    import('../properties/campaign.ts'), import('../harness/run.ts'), import('../harness/stats.ts'), import('../harness/trace.ts'), import('./sides.ts'),
  ]);
  console.log(`campaign: model against impl, --seed ${seed}, ${runs} programs of up to ${maxSteps} steps${part}${timeLimit ? `, time limit ${timeLimit}s` : ''}`);
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  const result = runCampaign({
    seed, runs, maxSteps, timeLimitMs: timeLimit ? timeLimit * 1000 : undefined,
    left: sideFactory('model'), right: sideFactory('impl'), sides: ['model', 'impl'], shard,
    onProgress: (n, steps) => process.stderr.write(`  ${n} programs, ${steps} steps, ${elapsed().toFixed(1)}s\n`),
  });
  console.log('');
  console.log(formatStats(result.stats));
  console.log('');
  const secs = elapsed();
  const rate = Math.round(result.stats.steps / secs);
  const record = (divergences: ShardResult['divergences']) => {
    if (!shard) return;
    const at = writeShardResult(out, { campaignShard: 1, ...base, shard, ran: result.runs, interrupted: result.interrupted, seconds: secs, stats: result.stats, divergences });
    console.log(`result of shard ${shard.index}/${shard.count} in ${at}`);
  };
  if (result.ok) {
    record([]);
    console.log(`summary: ${result.runs} programs, ${result.stats.steps} steps checked, no divergence${result.interrupted ? ' (stopped at the time limit)' : ''}; ${secs.toFixed(1)}s, ${rate} checked steps/s`);
    return 0;
  }
  const c = result.counterexample!;
  const path = writeCounterexample(out, c);
  record([{ program: result.failedProgram ?? -1, file: basename(path), steps: c.program.steps.length, step: c.divergence.index }]);
  const replay = runDifferential(c.program, sideFactory('model'), sideFactory('impl'));
  console.log(formatSideBySide(replay, ['model', 'impl']));
  console.log('');
  console.log(`summary: DIVERGENCE after ${result.runs} programs, shrunk to ${c.program.steps.length} steps, first difference at step ${c.divergence.index}; stored in ${path}`);
  console.log(`replay with: npm run replay -- ${path}`);
  return 1;
}

async function kernelCampaign(
  seed: number, runs: number, maxSteps: number, timeLimit: number | undefined, out: string, unprivileged: boolean,
  shard: Shard | undefined, executors: number | undefined, kernel: string | undefined,
  base: Omit<ShardResult, 'campaignShard' | 'shard' | 'ran' | 'interrupted' | 'seconds' | 'stats' | 'divergences'>,
): Promise<number> {
  const [{ LINUX_SIDE, describeFinding, findingCounts, runKernelCampaign }, { formatStats }] = await Promise.all([
    import('../properties/kernel-campaign.ts'), import('../harness/stats.ts'),
  ]);
  const linux = kernel !== undefined ? `Linux ${kernel} booted under QEMU` : "this machine's Linux";
  console.log(`campaign: model against ${linux}${unprivileged ? ' as nobody' : ''}, --seed ${seed}, ${runs} kernel-safe programs of up to ${maxSteps} steps${shard ? `, shard ${shard.index}/${shard.count}` : ''}${timeLimit ? `, time limit ${timeLimit}s` : ''}`);
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  // Findings are printed and stored as they are made, so a campaign cut short still leaves them.
  const stored = new Map<KernelFinding, string>();
  const reproducers: Promise<void>[] = [];
  const r = await runKernelCampaign({
    seed, runs, maxSteps, timeLimitMs: timeLimit ? timeLimit * 1000 : undefined, unprivileged, shard, executors, kernel,
    onProgress: (n, steps) => process.stderr.write(`  ${n} programs, ${steps} kernel steps, ${elapsed().toFixed(1)}s\n`),
    onFinding: (f) => {
      console.log(`\n${describeFinding(f)}`);
      if (f.kind === 'crash') return;
      const path = writeCounterexample(f.kind === 'reproduced' ? out : join(out, 'unreproduced'), f.counterexample);
      stored.set(f, path);
      console.log(`  stored (${f.counterexample.program.steps.length} steps) in ${path}\n`);
      if (f.counterexample.divergence.kind === LINUX_SIDE) reproducers.push(writeReproducer(path, f.counterexample.program, kernel));
    },
  });
  await Promise.all(reproducers);
  if (r.skipped) {
    console.log(`summary: SKIPPED, the kernel cannot be used here: ${r.skipped}`);
    return 2;
  }
  console.log('');
  console.log(formatStats(r.stats));
  console.log('');
  const secs = elapsed();
  const head = `${r.runs} programs on ${r.release}, ${r.stats.steps} kernel steps, ${r.refused} steps refused by the guard${r.interrupted ? ' (stopped at the time limit)' : ''}; ${secs.toFixed(1)}s`;
  if (shard) {
    // A shard's findings travel with its result; crashes have no counterexample and are counted apart.
    const divergences: ShardResult['divergences'] = [...r.reproduced, ...r.notReproduced].map((f) => ({
      program: f.position, file: join(f.kind === 'reproduced' ? '' : 'unreproduced', basename(stored.get(f)!)),
      steps: f.counterexample.program.steps.length, step: f.counterexample.divergence.index,
      reason: `${f.kind === 'reproduced' ? '' : 'not reproduced: '}${f.first.reason}`,
    }));
    const at = writeShardResult(out, { campaignShard: 1, ...base, shard, ran: r.runs, interrupted: r.interrupted, seconds: secs, refused: r.refused, stats: r.stats, divergences });
    console.log(`result of shard ${shard.index}/${shard.count} in ${at}`);
  }
  if (r.ok) {
    console.log(`summary: ${head}; the model allowed every observation`);
    return 0;
  }
  for (const f of [...r.reproduced, ...r.notReproduced]) {
    console.log(`${f.kind === 'reproduced' ? 'reproduced    ' : 'not reproduced'} ${f.replays.reproduced}/${f.replays.of} at step ${f.first.index} (${f.first.reason}): ${stored.get(f)}`);
  }
  for (const c of r.crashes) console.log(`crashed        ${c.error.split('\n')[0]}`);
  console.log(`summary: ${head}; ${findingCounts(r)}`);
  if (stored.size > 0) console.log(`replay with: npm run replay -- ${[...stored.values()][0]}`);
  return 1;
}

/** Replay a program on the kernel beside the model; the step judged while they still disagree. */
async function replayKernel(c: Counterexample, file: string): Promise<number | undefined> {
  refuseOffKernel(c.program, file);
  const mode = { unprivileged: c.program.env.start === 'user-namespace', ...(c.booted ? { kernel: c.booted.version } : {}) };
  const available = kernelAvailable(mode);
  if (!available.ok) throw new KernelUnavailable(available.reason);
  const [{ compareOnKernel }, { createModel }, { formatKernelReplay }] = await Promise.all([
    import('../kernel/compare.ts'), import('../model/index.ts'), import('../harness/trace.ts'),
  ]);
  const r = await compareOnKernel(c.program, createModel, { timeoutMs: 10_000, ...mode });
  console.log(formatKernelReplay(c.program, r));
  return r.disagreement?.index;
}

/** A program that cannot run on a real machine is refused before anything runs, naming the step. */
function refuseOffKernel(program: Program, file: string): void {
  const i = program.steps.findIndex((s) => notOnKernel(s) !== null);
  if (i >= 0) throw new NotOnKernel(`${file}: steps[${i}] is ${notOnKernel(program.steps[i])}; the program can run on the model and impl only`);
}

class NotOnKernel extends Error {}
class KernelUnavailable extends Error {}

/** What a stored file says about itself: its note, how it was found, and the divergence as it was
 *  found (the replay below shows what the sides do now). A bare program has none of these. */
function describeStored(c: Counterexample): string {
  if (c.divergence.index < 0) return 'a bare program: nothing stored about it';
  const [l, r] = c.sides;
  const d = c.divergence;
  return [
    ...(c.note ? [`note: ${c.note}`] : ['note: (none)']),
    ...(c.found ? [`found: --seed ${c.found.seed}${c.found.path !== undefined ? ` (fast-check path ${c.found.path})` : ''}${c.found.runs !== undefined ? `, --runs ${c.found.runs}` : ''}${c.found.maxSteps !== undefined ? ` --steps ${c.found.maxSteps}` : ''}`] : []),
    `stored divergence: step ${d.index} (${d.kind})${d.reason ? `: ${d.reason}` : ''}`,
    `  ${l}: ${JSON.stringify(d.left)}`,
    `  ${r}: ${JSON.stringify(d.right)}`,
    ...(d.stateDiff ? [`  ${d.stateDiff}`] : []),
    ...(c.replays ? [`  ${c.replays.reproduced} of ${c.replays.of} replays disagreed again when it was found`] : []),
    'now:',
  ].join('\n');
}

async function replay(args: string[]): Promise<number> {
  if (args.length === 0) throw new UsageError('replay needs at least one file');
  const [{ SIDES, sideFactory }, { runDifferential }, { formatSideBySide }] = await Promise.all([
    import('./sides.ts'), import('../harness/run.ts'), import('../harness/trace.ts'),
  ]);
  let differing = 0;
  for (const file of args) {
    const c = readCounterexample(file);
    const [l, r] = c.sides;
    c.sides.forEach((side, i) => {
      if (!SIDES.includes(side) && !(side === 'kernel' && i === 1 && l === 'model'))
        throw new ProgramError(`${file}: sides[${i}]`, `no side called ${JSON.stringify(side)}; sides: ${SIDES.join(', ')}, or ["model", "kernel"]`);
    });
    if (r === 'kernel') {
      const linux = c.booted ? `Linux ${c.booted.version} booted under QEMU (found on ${c.booted.release})` : "this machine's Linux";
      console.log(`== ${file}: ${c.property}, model against ${linux}, ${c.program.steps.length} steps`);
      console.log(describeStored(c));
      const still = await replayKernel(c, file);
      if (still !== undefined) differing++;
      console.log(still !== undefined ? `STILL DIFFERS (judged at step ${still})` : 'agrees: the model allows every kernel observation');
      console.log('');
      continue;
    }
    const result = runDifferential(c.program, sideFactory(l), sideFactory(r));
    console.log(`== ${file}: ${c.property}, ${l} against ${r}, ${c.program.steps.length} steps`);
    console.log(describeStored(c));
    console.log(formatSideBySide(result, [l, r]));
    if (result.divergence) {
      differing++;
      console.log(`STILL DIFFERS at step ${result.divergence.index}`);
    } else {
      console.log(`agrees: all ${c.program.steps.length} steps give the same observations and states`);
    }
    console.log('');
  }
  console.log(`replayed ${args.length} file(s): ${args.length - differing} agree, ${differing} still differ`);
  return differing > 0 ? 1 : 0;
}

async function run(args: string[]): Promise<number> {
  const { canonicalJson } = await import('../harness/canonical.ts');
  const { flags, rest } = parseFlags(args, { side: 'string', kernel: 'string' });
  if (rest.length !== 1) throw new UsageError('run takes exactly one program file');
  if (flags.kernel !== undefined && flags.side !== 'kernel') throw new UsageError('--kernel goes with --side kernel');
  checkVersion(flags.kernel);
  const { SIDES, sideFactory } = await import('./sides.ts');
  const side = flags.side ?? 'model';
  if (!SIDES.includes(side) && side !== 'kernel') throw new UsageError(`--side must be one of ${[...SIDES, 'kernel'].join(', ')}, got ${side}`);
  const program = readCounterexample(rest[0]).program;
  if (side === 'kernel') {
    refuseOffKernel(program, rest[0]);
    const mode = { unprivileged: program.env.start === 'user-namespace', ...(flags.kernel !== undefined ? { kernel: flags.kernel } : {}) };
    const available = kernelAvailable(mode);
    if (!available.ok) throw new KernelUnavailable(available.reason);
    const { runOnKernel } = await import('../kernel/driver.ts');
    const k = await runOnKernel(program, { timeoutMs: 10_000, ...mode });
    for (const s of k.steps) console.log(canonicalJson(s.obs));
    return 0;
  }
  const { runProgram } = await import('../harness/run.ts');
  runProgram(program, sideFactory(side), (e) => console.log(canonicalJson(e.obs)));
  return 0;
}

/** Combines the results of a campaign's shards into the summary the whole campaign prints. */
async function merge(args: string[]): Promise<number> {
  const { flags, rest } = parseFlags(args, { out: 'string' });
  const m = mergeShards(rest);
  const { formatStats } = await import('../harness/stats.ts');
  const first = m.shards[0];
  console.log(`merge: ${m.shards.length} shard(s) of the campaign: ${describeCampaign(first)}`);
  for (const r of m.shards) {
    console.log(`  shard ${r.shard.index}/${r.shard.count}: ${r.ran} programs, ${r.stats.steps} steps, ${r.seconds.toFixed(1)}s${r.interrupted ? ' (stopped at the time limit)' : ''}, ${r.divergences.length ? 'DIVERGENCE' : 'no divergence'}  (${r.path})`);
  }
  console.log('');
  console.log(formatStats(m.stats));
  console.log('');
  const stopped = m.interrupted.length ? ` (stopped at the time limit in shard ${m.interrupted.map((s) => `${s.index}/${s.count}`).join(', ')})` : '';
  const time = `${m.shards.length} shards, ${m.seconds.toFixed(1)}s of runs in all`;
  if (m.divergences.length === 0) {
    const what = first.against === 'kernel'
      ? `${m.ran} programs, ${m.stats.steps} kernel steps, the model allowed every observation; ${m.refused} steps refused by the guard`
      : `${m.ran} programs, ${m.stats.steps} steps checked, no divergence`;
    console.log(`summary: ${what}${stopped}; ${time}`);
    return 0;
  }
  const out = flags.out ?? 'counterexamples';
  console.log(`divergences, earliest program first:`);
  const paths = m.divergences.map((d) => {
    const path = collectCounterexample(d, out);
    console.log(`  program ${d.program} (shard ${d.shard.index}/${d.shard.count}): shrunk to ${d.steps} steps, first difference at step ${d.step}${d.reason ? `: ${d.reason}` : ''}; ${path}`);
    return path;
  });
  const d = m.divergences[0];
  const c = readCounterexample(paths[0]);
  if (first.against === 'impl') {
    const [{ runDifferential }, { formatSideBySide }, { sideFactory }] = await Promise.all([
      import('../harness/run.ts'), import('../harness/trace.ts'), import('./sides.ts'),
    ]);
    console.log('');
    console.log(formatSideBySide(runDifferential(c.program, sideFactory('model'), sideFactory('impl')), ['model', 'impl']));
  }
  console.log('');
  const kind = first.against === 'kernel' ? 'DISAGREEMENT with Linux' : 'DIVERGENCE';
  console.log(`summary: ${kind} at program ${d.program} (${m.divergences.length} in all), shrunk to ${d.steps} steps, ${first.against === 'kernel' ? 'at' : 'first difference at'} step ${d.step}; stored in ${paths[0]}; ${time}`);
  console.log(`replay with: npm run replay -- ${paths[0]}`);
  return 1;
}

function check(args: string[]): number {
  if (args.length === 0) throw new UsageError('check needs at least one file');
  for (const file of args) {
    const c = readCounterexample(file);
    console.log(`${file}: a valid ${'counterexample' in c && c.divergence.index >= 0 ? 'counterexample' : 'program'} of ${c.program.steps.length} steps`);
  }
  return 0;
}

/** A Linux-side departure's C reproducer, beside its counterexample (same name, .c). On a booted kernel
 *  the expectations are made for the program's own environment (this machine's may differ). */
async function writeReproducer(path: string, program: Program, kernel: string | undefined): Promise<void> {
  try {
    const [{ exportC, thisMachine }, { createModel }] = await Promise.all([import('../kernel/export-c.ts'), import('../model/index.ts')]);
    const here = kernel === undefined ? await thisMachine(program) : { reason: 'booted' };
    const out = path.replace(/\.json$/, '.c');
    writeFileSync(out, exportC(program, basename(path), createModel, 'machine' in here ? here.machine : undefined));
    console.log(`  its C reproducer: ${out}`);
  } catch (e) {
    console.log(`  no C reproducer for ${path}: ${(e as Error).message}`);
  }
}

/** One HTML page: a counterexample's sequence diagram, or a campaign's statistics as charts. */
async function report(args: string[]): Promise<number> {
  const { flags, rest } = parseFlags(args, { out: 'string' });
  if (rest.length === 0) throw new UsageError('report needs a counterexample file, or a campaign result (DIR or DIR/result.json)');
  const { campaignPage, counterexamplePage } = await import('./report.ts');
  const campaign = rest.length > 1 || (existsSync(rest[0]) && statSync(rest[0]).isDirectory()) || isShardResult(rest[0]);
  let html: string;
  let out: string;
  if (campaign) {
    const merged = rest.length > 1 ? mergeShards(rest) : undefined;
    const one = merged ? merged.shards[0] : readShardResult(rest[0]);
    const stats = merged ? merged.stats : one.stats;
    const parts = merged ? `${merged.shards.length} of ${one.shard.count}` : `${one.shard.index} of ${one.shard.count}`;
    html = campaignPage(`campaign: ${describeCampaign(one)}`, stats, [
      ['part(s)', parts], ['divergences', String(merged ? merged.divergences.length : one.divergences.length)],
      ['seconds', (merged ? merged.seconds : one.seconds).toFixed(1)],
    ]);
    out = flags.out ?? 'campaign-report.html';
  } else {
    const file = rest[0];
    const c = readCounterexample(file);
    const { SIDES, sideFactory } = await import('./sides.ts');
    const sides = Object.fromEntries(c.sides.map((s) => [s, SIDES.includes(s) ? sideFactory(s) : undefined]));
    html = counterexamplePage(c, basename(file), { ...sides, model: sideFactory('model') });
    out = flags.out ?? `${basename(file).replace(/\.json$/, '')}.html`;
  }
  try {
    writeFileSync(out, html);
  } catch (e) {
    throw new ProgramError(out, `cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  console.log(`wrote ${out}`);
  return 0;
}

/** Whether a file is a campaign's result.json (rather than a counterexample or a program). */
function isShardResult(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { campaignShard?: unknown }).campaignShard !== undefined;
  } catch {
    return false;
  }
}

/** Writes a C reproducer of one program or counterexample. */
async function exportCommand(args: string[]): Promise<number> {
  const { flags, rest } = parseFlags(args, { out: 'string' });
  if (rest.length !== 1) throw new UsageError('export-c takes exactly one program file');
  const file = rest[0];
  const program = readCounterexample(file).program;
  const [{ exportC, notExportable, thisMachine }, { createModel }] = await Promise.all([import('../kernel/export-c.ts'), import('../model/index.ts')]);
  const off = notExportable(program);
  if (off) throw new NotOnKernel(`${file}: ${off}; the program can run on the model and impl only`);
  const here = await thisMachine(program);
  const machine = 'machine' in here ? here.machine : undefined;
  if (!machine) console.error(`the kernel cannot be used here (${'reason' in here ? here.reason : ''}): expectations made for the program's own environment`);
  const out = flags.out ?? `${basename(file).replace(/\.json$/, '')}.c`;
  const text = exportC(program, basename(file), createModel, machine);
  try {
    writeFileSync(out, text);
  } catch (e) {
    throw new ProgramError(out, `cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  console.log(`wrote ${out} (${program.steps.length} steps): cc -O1 -static -fno-stack-protector -o repro ${out} && ./repro`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command !== undefined && command in COMMAND_USAGE && (args.includes('--help') || args.includes('-h'))) {
    console.log(`usage:\n${COMMAND_USAGE[command]}`);
    return 0;
  }
  try {
    switch (command) {
      case 'campaign': return await campaign(args);
      case 'replay': return await replay(args);
      case 'run': return await run(args);
      case 'check': return check(args);
      case 'merge': return await merge(args);
      case 'export-c': return await exportCommand(args);
      case 'report': return await report(args);
      case undefined: case 'help': case '--help': console.log(USAGE); return command ? 0 : 2;
      default: throw new UsageError(`unknown command ${command}`);
    }
  } catch (e) {
    if (e instanceof ProgramError) {
      console.error(`bad program: ${e.message}`);
      return 2;
    }
    if (e instanceof NotOnKernel) {
      console.error(`cannot run on the kernel: ${e.message}`);
      return 2;
    }
    if (e instanceof KernelUnavailable) {
      console.error(`kernel side unavailable here: ${e.message}`);
      return 2;
    }
    if (e instanceof ShardError) {
      console.error(`merge refused: ${e.message}`);
      return 2;
    }
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
