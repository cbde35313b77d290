// The command line: campaigns, replay of stored counterexamples, and single programs on one side.
// Exit status: 0 all agreed, 1 a divergence (found or still present), 2 bad input.
import { join } from 'node:path';
import { canonicalJson } from '../harness/canonical.ts';
import { readCounterexample, writeCounterexample } from '../harness/counterexample.ts';
import { ProgramError } from '../harness/program.ts';
import { runDifferential, runProgram } from '../harness/run.ts';
import { formatStats } from '../harness/stats.ts';
import { formatKernelReplay, formatSideBySide } from '../harness/trace.ts';
import { DEFAULT_CAMPAIGN, runCampaign } from '../properties/campaign.ts';
import { DEFAULT_KERNEL_CAMPAIGN, describeFinding, findingCounts, runKernelCampaign } from '../properties/kernel-campaign.ts';
import type { KernelFinding } from '../properties/kernel-campaign.ts';
import { compareOnKernel } from '../kernel/compare.ts';
import { kernelAvailable, notOnKernel, runOnKernel } from '../kernel/driver.ts';
import { createModel } from '../model/index.ts';
import type { Counterexample } from '../harness/counterexample.ts';
import type { Program } from '../vocab/index.ts';
import { SIDES, sideFactory } from './sides.ts';

const USAGE = `usage:
  timens campaign [--against impl|kernel] [--seed N|random] [--runs N] [--steps N] [--time-limit SECONDS] [--out DIR] [--unprivileged yes]
      Generate programs, run them on the model and impl in lock-step, compare every observation and the
      abstract state after every step; shrink and store the first divergence. Prints statistics.
      --against kernel runs kernel-safe programs on this machine's Linux and requires the model to
      allow every observation (default ${DEFAULT_KERNEL_CAMPAIGN.runs} programs of up to ${DEFAULT_KERNEL_CAMPAIGN.maxSteps} steps);
      --unprivileged yes runs them as nobody, from a user namespace the executor makes.
  timens replay FILE...
      Replay stored counterexamples (or bare programs) exactly; print both sides and the first difference.
      Exit 1 while any still differs, 0 once all agree.
  timens run FILE [--side ${[...SIDES, 'kernel'].join('|')}]
      Run one program on one side and print one JSON observation per line.
  timens check FILE...
      Read programs or counterexample files and report the first bad field, if any.`;

class UsageError extends Error {}

function parseFlags(args: string[], known: Record<string, 'number' | 'string'>): { flags: Record<string, string>; rest: string[] } {
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) { rest.push(a); continue; }
    const name = a.slice(2);
    if (!(name in known)) throw new UsageError(`unknown option ${a}`);
    const v = args[++i];
    if (v === undefined) throw new UsageError(`${a} needs a value`);
    if (known[name] === 'number' && !(v === 'random' && name === 'seed') && !/^[0-9]+$/.test(v)) throw new UsageError(`${a} takes a whole number, got ${JSON.stringify(v)}`);
    flags[name] = v;
  }
  return { flags, rest };
}

async function campaign(args: string[]): Promise<number> {
  const { flags, rest } = parseFlags(args, { against: 'string', seed: 'number', runs: 'number', steps: 'number', 'time-limit': 'number', out: 'string', unprivileged: 'string' });
  if (flags.unprivileged !== undefined && flags.unprivileged !== 'yes') throw new UsageError(`--unprivileged takes "yes", got ${JSON.stringify(flags.unprivileged)}`);
  if (flags.unprivileged && flags.against !== 'kernel') throw new UsageError('--unprivileged goes with --against kernel');
  if (rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
  const against = flags.against ?? 'impl';
  if (against !== 'impl' && against !== 'kernel') throw new UsageError(`--against takes impl or kernel, got ${JSON.stringify(against)}`);
  const defaults = against === 'kernel' ? DEFAULT_KERNEL_CAMPAIGN : DEFAULT_CAMPAIGN;
  const seed = flags.seed === 'random' ? (Date.now() ^ (process.pid << 8)) >>> 0 : Number(flags.seed ?? defaults.seed);
  const runs = Number(flags.runs ?? defaults.runs);
  const maxSteps = Number(flags.steps ?? defaults.maxSteps);
  const timeLimit = flags['time-limit'] ? Number(flags['time-limit']) : undefined;
  const out = flags.out ?? 'counterexamples';
  if (runs < 1 || maxSteps < 1) throw new UsageError('--runs and --steps must be at least 1');
  if (against === 'kernel') return kernelCampaign(seed, runs, maxSteps, timeLimit, out, flags.unprivileged === 'yes');
  console.log(`campaign: model against impl, seed ${seed}, ${runs} programs of up to ${maxSteps} steps${timeLimit ? `, time limit ${timeLimit}s` : ''}`);
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  const result = runCampaign({
    seed, runs, maxSteps, timeLimitMs: timeLimit ? timeLimit * 1000 : undefined,
    left: sideFactory('model'), right: sideFactory('impl'), sides: ['model', 'impl'],
    onProgress: (n, steps) => process.stderr.write(`  ${n} programs, ${steps} steps, ${elapsed().toFixed(1)}s\n`),
  });
  console.log('');
  console.log(formatStats(result.stats));
  console.log('');
  const secs = elapsed();
  const rate = Math.round(result.stats.steps / secs);
  if (result.ok) {
    console.log(`summary: ${result.runs} programs, ${result.stats.steps} steps checked, no divergence${result.interrupted ? ' (stopped at the time limit)' : ''}; ${secs.toFixed(1)}s, ${rate} checked steps/s`);
    return 0;
  }
  const c = result.counterexample!;
  const path = writeCounterexample(out, c);
  const replay = runDifferential(c.program, sideFactory('model'), sideFactory('impl'));
  console.log(formatSideBySide(replay, ['model', 'impl']));
  console.log('');
  console.log(`summary: DIVERGENCE after ${result.runs} programs, shrunk to ${c.program.steps.length} steps, first difference at step ${c.divergence.index}; stored in ${path}`);
  console.log(`replay with: npm run replay -- ${path}`);
  return 1;
}

async function kernelCampaign(seed: number, runs: number, maxSteps: number, timeLimit: number | undefined, out: string, unprivileged: boolean): Promise<number> {
  console.log(`campaign: model against this machine's Linux${unprivileged ? ' as nobody' : ''}, seed ${seed}, ${runs} kernel-safe programs of up to ${maxSteps} steps${timeLimit ? `, time limit ${timeLimit}s` : ''}`);
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  // Findings are printed and stored as they are made, so a campaign cut short still leaves them.
  const stored = new Map<KernelFinding, string>();
  const r = await runKernelCampaign({
    seed, runs, maxSteps, timeLimitMs: timeLimit ? timeLimit * 1000 : undefined, unprivileged,
    onProgress: (n, steps) => process.stderr.write(`  ${n} programs, ${steps} kernel steps, ${elapsed().toFixed(1)}s\n`),
    onFinding: (f) => {
      console.log(`\n${describeFinding(f)}`);
      if (f.kind === 'crash') return;
      const path = writeCounterexample(f.kind === 'reproduced' ? out : join(out, 'unreproduced'), f.counterexample);
      stored.set(f, path);
      console.log(`  stored (${f.counterexample.program.steps.length} steps) in ${path}\n`);
    },
  });
  if (r.skipped) {
    console.log(`summary: SKIPPED, the kernel cannot be used here: ${r.skipped}`);
    return 2;
  }
  console.log('');
  console.log(formatStats(r.stats));
  console.log('');
  const head = `${r.runs} programs, ${r.stats.steps} kernel steps, ${r.refused} steps refused by the guard${r.interrupted ? ' (stopped at the time limit)' : ''}; ${elapsed().toFixed(1)}s`;
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
async function replayKernel(c: Counterexample): Promise<number | undefined> {
  refuseOffKernel(c.program);
  const available = kernelAvailable({ unprivileged: c.program.env.start === 'user-namespace' });
  if (!available.ok) throw new KernelUnavailable(available.reason);
  const r = await compareOnKernel(c.program, createModel, { timeoutMs: 10_000 });
  console.log(formatKernelReplay(c.program, r));
  return r.disagreement?.index;
}

/** A program that cannot run on a real machine is refused before anything runs, naming the step. */
function refuseOffKernel(program: Program): void {
  const i = program.steps.findIndex((s) => notOnKernel(s) !== null);
  if (i >= 0) throw new NotOnKernel(`steps[${i}] is ${notOnKernel(program.steps[i])}; the program can run on the model and impl only`);
}

class NotOnKernel extends Error {}
class KernelUnavailable extends Error {}

async function replay(args: string[]): Promise<number> {
  if (args.length === 0) throw new UsageError('replay needs at least one file');
  let differing = 0;
  for (const file of args) {
    const c = readCounterexample(file);
    const [l, r] = c.sides;
    c.sides.forEach((side, i) => {
      if (!SIDES.includes(side) && !(side === 'kernel' && i === 1 && l === 'model'))
        throw new ProgramError(`${file}: sides[${i}]`, `no side called ${JSON.stringify(side)}; sides: ${SIDES.join(', ')}, or ["model", "kernel"]`);
    });
    if (r === 'kernel') {
      console.log(`== ${file}: ${c.property}, model against this machine's Linux, ${c.program.steps.length} steps`);
      const still = await replayKernel(c);
      if (still !== undefined) differing++;
      console.log(still !== undefined ? `STILL DIFFERS (judged at step ${still})` : 'agrees: the model allows every kernel observation');
      console.log('');
      continue;
    }
    const result = runDifferential(c.program, sideFactory(l), sideFactory(r));
    console.log(`== ${file}: ${c.property}, ${l} against ${r}, ${c.program.steps.length} steps`);
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
  const { flags, rest } = parseFlags(args, { side: 'string' });
  if (rest.length !== 1) throw new UsageError('run takes exactly one program file');
  const side = flags.side ?? 'model';
  if (!SIDES.includes(side) && side !== 'kernel') throw new UsageError(`--side must be one of ${[...SIDES, 'kernel'].join(', ')}, got ${side}`);
  const program = readCounterexample(rest[0]).program;
  if (side === 'kernel') {
    refuseOffKernel(program);
    const available = kernelAvailable({ unprivileged: program.env.start === 'user-namespace' });
    if (!available.ok) throw new KernelUnavailable(available.reason);
    const k = await runOnKernel(program, { timeoutMs: 10_000 });
    for (const s of k.steps) console.log(canonicalJson(s.obs));
    return 0;
  }
  runProgram(program, sideFactory(side), (e) => console.log(canonicalJson(e.obs)));
  return 0;
}

function check(args: string[]): number {
  if (args.length === 0) throw new UsageError('check needs at least one file');
  for (const file of args) {
    const c = readCounterexample(file);
    console.log(`${file}: a valid ${'counterexample' in c && c.divergence.index >= 0 ? 'counterexample' : 'program'} of ${c.program.steps.length} steps`);
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'campaign': return await campaign(args);
      case 'replay': return await replay(args);
      case 'run': return await run(args);
      case 'check': return check(args);
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
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
