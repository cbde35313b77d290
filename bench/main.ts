// Benchmarks: figures measured side by side in one run, printed as ratios. Not tests: these machines are
// shared and noisy, so only the ratios of interleaved measurements mean much.
//   npm run bench [-- checked | vdso | scaling]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createImpl } from '../impl/index.ts';
import type { ImplBackend } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import { hostClocks, hostFromSeed } from '../harness/host.ts';
import { resolveEnv, runDifferential, runProgram } from '../harness/run.ts';
import { programs } from '../properties/generate.ts';
import { CLOCKS } from '../vocab/index.ts';
import type { AbstractWriter, Backend, Program, Step } from '../vocab/index.ts';

function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

function corpus(n: number, maxSteps: number): Program[] {
  return fc.sample(programs({ maxSteps }), { seed: 424242, numRuns: n });
}

/** Best of `rounds` timings of each fn, in seconds; the rounds of the contenders are interleaved. */
function race(fns: (() => void)[], rounds = 5): number[] {
  const best = fns.map(() => Infinity);
  for (let i = 0; i < rounds; i++) {
    fns.forEach((fn, j) => {
      const t = now();
      fn();
      best[j] = Math.min(best[j], now() - t);
    });
  }
  return best;
}

function duel(a: () => void, b: () => void, rounds = 5): [number, number] {
  const [ta, tb] = race([a, b], rounds);
  return [ta, tb];
}

function checkedSteps(): void {
  const programs = corpus(400, 60);
  const steps = programs.reduce((n, p) => n + p.steps.length, 0);
  const counts = { written: 0, built: 0 };
  for (const p of programs) {
    const r = runDifferential(p, createModel, createImpl, { counts });
    if (r.divergence) throw new Error(`the benchmark corpus diverges at step ${r.divergence.index}: fix that first`);
  }
  // The floor of writing: each step's state written to a writer that does nothing, so what is left is
  // the sides' own walk of their state (no recording, no comparison).
  const nothing: AbstractWriter = { open() {}, close() {}, put() {}, caps() {} };
  const walk = (_entry: unknown, side: Backend) => side.writeAbstract!(nothing);
  const [tc, tm, ti, twm, twi] = race([
    () => { for (const p of programs) runDifferential(p, createModel, createImpl); },
    () => { for (const p of programs) runProgram(p, createModel); },
    () => { for (const p of programs) runProgram(p, createImpl); },
    () => { for (const p of programs) runProgram(p, createModel, walk); },
    () => { for (const p of programs) runProgram(p, createImpl, walk); },
  ]);
  const us = (t: number) => (t / steps * 1e6).toFixed(2);
  console.log(`checked steps (model and impl in lock-step, observations and abstract state compared after every step),`);
  console.log(`${programs.length} generated programs, ${steps} steps, best of 5 interleaved rounds:`);
  console.log(`  checked ${Math.round(steps / tc)} steps/s, model alone ${Math.round(steps / tm)} steps/s, impl alone ${Math.round(steps / ti)} steps/s`);
  console.log(`  checking overhead: checked / (model + impl) = ${(tc / (tm + ti)).toFixed(2)}x; impl/model speed ${(tm / ti).toFixed(2)}x`);
  console.log(`  per step: model ${us(tm)} µs, impl ${us(ti)} µs; writing the state to a writer that does nothing: model ${us(twm - tm)} µs, ` +
    `impl ${us(twi - ti)} µs,`);
  console.log(`  so with the comparison itself free, checking would still cost ${((twm + twi) / (tm + ti)).toFixed(2)}x`);
  console.log(`  states compared as written ${counts.written}, rebuilt as objects ${counts.built}`);
}

/**
 * A world with `tasks` tasks spread over `spaces` time namespaces with non-zero offsets, and two tasks to
 * read from: t0 in the initial namespace and the first task made in a namespace. Every setup step must
 * succeed, and the namespaced task must read its offset.
 */
function world(tasks: number, spaces: number): { impl: ImplBackend; host: 't0'; spaced: string } {
  const program: Program = { format: 1, kernel: 'current', env: { seed: 'bench' }, steps: [] };
  const impl = createImpl(resolveEnv(program)) as ImplBackend;
  const h = hostFromSeed('bench');
  const clocks = hostClocks(h);
  const run = (s: Step) => {
    const obs = impl.step(s, clocks);
    if (obs.ret === undefined) throw new Error(`benchmark setup step failed: ${JSON.stringify(s)} -> ${JSON.stringify(obs)}`);
  };
  let n = 1;
  let spaced = '';
  // t0 stays in the initial namespace: each unshare gives it a new time_for_children, whose offsets it
  // writes before a fork enters (and freezes) it.
  for (let i = 0; i < Math.max(spaces, 1); i++) {
    const f = `f${i}`;
    run({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] });
    run({ task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: f });
    run({ task: 't0', call: 'write', fd: f, text: `monotonic ${i + 1} 0\nboottime ${2 * i + 1} 0` });
    run({ task: 't0', call: 'close', fd: f });
    const child = `t${n++}`;
    run({ task: 't0', call: 'fork', child });
    spaced ||= child;
  }
  while (n < tasks) run({ task: 't0', call: 'fork', child: `t${n++}` });
  const host = new Float64Array(2);
  const ns = new Float64Array(2);
  if (impl.vdsoClockGettime('t0', CLOCKS.CLOCK_MONOTONIC, host) !== 0 || impl.vdsoClockGettime(spaced, CLOCKS.CLOCK_MONOTONIC, ns) !== 0 ||
      ns[0] - host[0] !== 1 || ns[1] !== host[1]) {
    throw new Error(`the namespaced task does not read its 1 s monotonic offset: host ${host.join(',')}, namespaced ${ns.join(',')}`);
  }
  return { impl, host: 't0', spaced };
}

/** The kernel's own vDSO figure on this machine (bench/vdso-kernel.c), or why there is none. */
function kernelClockReads(): { host: number; spaced: number } | string {
  const dir = mkdtempSync(join(tmpdir(), 'timens-vdso-'));
  try {
    const bin = join(dir, 'vdso-kernel');
    const cc = spawnSync('cc', ['-O2', '-o', bin, 'bench/vdso-kernel.c'], { encoding: 'utf8' });
    if (cc.error || cc.status !== 0) return `cc failed: ${cc.error?.message ?? cc.stderr.trim()}`;
    const r = spawnSync(bin, ['2000000', '11'], { encoding: 'utf8' });
    const m = /^host ([\d.]+) namespaced ([\d.]+)$/.exec(r.stdout.trim());
    if (r.status !== 0 || m === null) return `it failed: ${(r.stderr || r.stdout).trim() || `exit ${r.status}`}`;
    return { host: Number(m[1]), spaced: Number(m[2]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function clockReads(): void {
  console.log(`\nimpl vDSO clock_gettime(CLOCK_MONOTONIC): a task in a time namespace against one in the initial namespace`);
  console.log(`  read: the task's own read (task -> mm -> [vvar], as current makes it); by handle: the same read after`);
  console.log(`  looking the task up by its program handle (a Map of all tasks), as a program step does`);
  const out = new Float64Array(2);
  const reads = 500_000;
  for (const [tasks, spaces] of [[2, 1], [1_000, 100], [10_000, 1_000]]) {
    const w = world(tasks, spaces);
    const hostRead = w.impl.vdsoReader(w.host)!;
    const spacedRead = w.impl.vdsoReader(w.spaced)!;
    const own = (read: (clk: number, out: Float64Array) => number) => () => {
      for (let i = 0; i < reads; i++) read(CLOCKS.CLOCK_MONOTONIC, out);
    };
    const byHandle = (task: string) => () => {
      for (let i = 0; i < reads; i++) w.impl.vdsoClockGettime(task, CLOCKS.CLOCK_MONOTONIC, out);
    };
    // Many short rounds: on a shared machine the best of many is the least disturbed.
    const [th, tn, thh, tnh] = race([own(hostRead), own(spacedRead), byHandle(w.host), byHandle(w.spaced)], 21);
    const ns = (t: number) => (t / reads * 1e9).toFixed(1);
    console.log(`  ${String(tasks).padStart(6)} tasks, ${String(spaces).padStart(5)} namespaces: read host ${ns(th)} ns, namespaced ${ns(tn)} ns: ` +
      `${(tn / th).toFixed(2)}x (+${ns(tn - th)} ns); by handle ${ns(thh)} / ${ns(tnh)} ns: ${(tnh / thh).toFixed(2)}x`);
  }
  const k = kernelClockReads();
  if (typeof k === 'string') {
    console.log(`  this machine's kernel: not measured (bench/vdso-kernel.c: ${k})`);
  } else {
    console.log(`  this machine's kernel (bench/vdso-kernel.c, 1 namespace): host ${k.host.toFixed(1)} ns, namespaced ` +
      `${k.spaced.toFixed(1)} ns: ${(k.spaced / k.host).toFixed(2)}x (+${(k.spaced - k.host).toFixed(1)} ns)`);
  }
}

/**
 * The same steps against worlds of growing size, on both sides: the model scans its task and namespace
 * lists (that is what makes it obviously right), impl looks things up as the kernel does.
 */
function scaling(): void {
  console.log(`\nper-step cost as the world grows (a mix of clock reads, readlink, offsets open/write/close, unshare, fork/exit):`);
  for (const tasks of [10, 100, 1_000, 3_000]) {
    const setup: Step[] = [];
    for (let i = 1; i < tasks; i++) {
      if (i % 10 === 1) setup.push({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] });
      setup.push({ task: 't0', call: 'fork', child: `t${i}` });
    }
    const work: Step[] = [];
    for (let j = 0; j < 2_000; j++) {
      const t = `t${1 + ((j * 7919) % (tasks - 1))}`;
      const f = `f${j}`;
      work.push({ task: t, call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true });
      work.push({ task: t, call: 'readlink', target: 't0', link: 'time_for_children' });
      work.push({ task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: f });
      work.push({ task: 't0', call: 'write', fd: f, text: `monotonic ${j} 0` });
      work.push({ task: 't0', call: 'close', fd: f });
      if (j % 50 === 0) work.push({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] });
      if (j % 25 === 0) work.push({ task: t, call: 'fork', child: `t${tasks + j}` }, { task: `t${tasks + j}`, call: 'exit' });
    }
    const program: Program = { format: 1, kernel: 'current', env: { seed: 'scale' }, steps: [...setup, ...work] };
    const time = (factory: typeof createModel) => () => {
      const side = factory(resolveEnv(program));
      const clocks = hostClocks(hostFromSeed('scale'));
      for (const s of setup) side.step(s, clocks);
      const t = now();
      for (const s of work) side.step(s, clocks);
      perStep.set(factory, (now() - t) / work.length);
    };
    const perStep = new Map<typeof createModel, number>();
    let best = [Infinity, Infinity];
    for (let round = 0; round < 3; round++) {
      time(createModel)();
      time(createImpl)();
      best = [Math.min(best[0], perStep.get(createModel)!), Math.min(best[1], perStep.get(createImpl)!)];
    }
    console.log(`  ${String(tasks).padStart(5)} tasks: model ${(best[0] * 1e6).toFixed(2)} µs/step, impl ${(best[1] * 1e6).toFixed(2)} µs/step, impl ${(best[0] / best[1]).toFixed(1)}x faster`);
  }
}

// `npm run bench -- checked vdso` runs only the parts named; no names runs them all.
const parts = { checked: checkedSteps, vdso: clockReads, scaling };
const asked = process.argv.slice(2);
for (const [name, run] of Object.entries(parts)) if (asked.length === 0 || asked.includes(name)) run();
