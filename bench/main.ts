// Benchmarks: figures measured side by side in one run, printed as ratios. Not tests: these machines are
// shared and noisy, so only the ratios of interleaved measurements mean much.
//   npm run bench
import fc from 'fast-check';
import { createImpl } from '../impl/index.ts';
import type { ImplBackend } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import { hostClocks, hostFromSeed } from '../harness/host.ts';
import { resolveEnv, runDifferential, runProgram } from '../harness/run.ts';
import { programs } from '../properties/generate.ts';
import { CLOCKS } from '../vocab/index.ts';
import type { Program, Step } from '../vocab/index.ts';

function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

function corpus(n: number, maxSteps: number): Program[] {
  return fc.sample(programs({ maxSteps }), { seed: 424242, numRuns: n });
}

/** Best of `rounds` timings of fn, in seconds; rounds of the two contenders are interleaved. */
function duel(a: () => void, b: () => void, rounds = 5): [number, number] {
  let ta = Infinity;
  let tb = Infinity;
  for (let i = 0; i < rounds; i++) {
    let t = now(); a(); ta = Math.min(ta, now() - t);
    t = now(); b(); tb = Math.min(tb, now() - t);
  }
  return [ta, tb];
}

function checkedSteps(): void {
  const programs = corpus(400, 60);
  const steps = programs.reduce((n, p) => n + p.steps.length, 0);
  const t0 = now();
  for (const p of programs) runDifferential(p, createModel, createImpl);
  const diff = now() - t0;
  console.log(`checked steps (model and impl in lock-step, observations and abstract state compared after every step):`);
  console.log(`  ${steps} steps in ${diff.toFixed(2)}s = ${Math.round(steps / diff)} checked steps/s`);
  const [tm, ti] = duel(
    () => { for (const p of programs) runProgram(p, createModel); },
    () => { for (const p of programs) runProgram(p, createImpl); },
  );
  console.log(`  model alone ${Math.round(steps / tm)} steps/s, impl alone ${Math.round(steps / ti)} steps/s: impl/model speed ${(tm / ti).toFixed(2)}x`);
}

/** A world with `tasks` tasks spread over `spaces` entered namespaces, and two tasks to read from. */
function world(tasks: number, spaces: number): { impl: ImplBackend; host: 't0'; spaced: string } {
  const program: Program = { format: 1, kernel: 'current', env: { seed: 'bench' }, steps: [] };
  const impl = createImpl(resolveEnv(program)) as ImplBackend;
  const h = hostFromSeed('bench');
  const clocks = hostClocks(h);
  const run = (s: Step) => impl.step(s, clocks);
  let n = 1;
  let fd = 0;
  let spaced = '';
  for (let i = 0; i < spaces; i++) {
    const child = `t${n++}`;
    run({ task: 't0', call: 'clone3', child, flags: ['CLONE_NEWTIME'] });
    const f = `f${fd++}`;
    run({ task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: f });
    run({ task: 't0', call: 'write', fd: f, text: `monotonic ${i + 1} 0\nboottime ${2 * i + 1} 0` });
    run({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] });
    spaced ||= child;
  }
  while (n < tasks) run({ task: 't0', call: 'fork', child: `t${n++}` });
  if (!spaced) {
    spaced = `t${n++}`;
    run({ task: 't0', call: 'clone3', child: spaced, flags: ['CLONE_NEWTIME'] });
  }
  return { impl, host: 't0', spaced };
}

function clockReads(): void {
  console.log(`\nimpl vDSO clock_gettime(CLOCK_MONOTONIC): a task in a time namespace against one in the initial namespace`);
  const out = new Float64Array(2);
  const reads = 2_000_000;
  for (const [tasks, spaces] of [[2, 1], [1_000, 100], [10_000, 1_000]]) {
    const w = world(tasks, spaces);
    const read = (task: string) => () => {
      for (let i = 0; i < reads; i++) w.impl.vdsoClockGettime(task, CLOCKS.CLOCK_MONOTONIC, out);
    };
    const [th, tn] = duel(read(w.host), read(w.spaced));
    console.log(`  ${String(tasks).padStart(6)} tasks, ${String(spaces).padStart(5)} namespaces: host ${(th / reads * 1e9).toFixed(1)} ns/read, namespaced ${(tn / reads * 1e9).toFixed(1)} ns/read, namespaced/host ${(tn / th).toFixed(2)}x`);
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

checkedSteps();
clockReads();
scaling();
