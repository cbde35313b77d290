// C reproducers (kernel/export-c.ts): every stored counterexample and every selftest scenario is exported,
// compiled with cc and run here, and its verdict must be the judge's (kernel/compare.ts) on the same
// program: no departure where the judge allows every observation, and where the judge disagrees at a
// step the reproducer judges (not a timing-dependent one), a departure at that same step. A reproducer
// made from a model with one planted error must report it; a program no real machine can run is refused.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCounterexample } from '../../harness/counterexample.ts';
import { compareOnKernel } from '../../kernel/compare.ts';
import { exportC, expectations, notExportable, thisMachine } from '../../kernel/export-c.ts';
import type { Machine } from '../../kernel/export-c.ts';
import { createModel } from '../../model/index.ts';
import type { BackendFactory, Program } from '../../vocab/index.ts';
import { catalogue } from '../selftests/catalogue.ts';
import { OBSERVED_VALUES_PROGRAM, STARTTIME_PROGRAM } from './programs.ts';
import { gate, kernelGate } from './skip.ts';

const dir = mkdtempSync(join(tmpdir(), 'timens-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stored = readdirSync('counterexamples').filter((f) => f.endsWith('.json')).map((f) => join('counterexamples', f));

interface Verdict {
  status: number | null;
  departure?: number;
  out: string;
}

async function machineFor(program: Program): Promise<Machine> {
  const m = await thisMachine(program);
  if (!('machine' in m)) throw new Error(m.reason);
  return m.machine;
}

/** Export, compile with cc, run; the step of the first departure, if any. */
async function reproduce(program: Program, name: string, factory: BackendFactory = createModel, args: string[] = []): Promise<Verdict> {
  const base = join(dir, name.replace(/[^A-Za-z0-9_.-]/g, '_'));
  writeFileSync(`${base}.c`, exportC(program, name, factory, await machineFor(program)));
  const cc = spawnSync(process.env.CC || 'cc', ['-O0', '-fno-stack-protector', '-o', base, `${base}.c`], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`${base}.c does not compile:\n${cc.stderr}`);
  const run = spawnSync(base, args, { encoding: 'utf8', timeout: 120_000 });
  const m = /^step (\d+) .*\n {2}DEPARTURE/m.exec(run.stdout);
  return { status: run.status, departure: m ? Number(m[1]) : undefined, out: run.stdout + run.stderr };
}

/** The reproducer's verdict must be the judge's, where the reproducer judges the step. */
async function agreesWithJudge(program: Program, name: string): Promise<void> {
  const v = await reproduce(program, name);
  expect(v.status === 0 || v.status === 1, v.out).toBe(true);
  const judged = await compareOnKernel(program, createModel, { timeoutMs: 10_000 });
  const d = judged.disagreement;
  if (v.status === 1) {
    expect(d, `the reproducer departs where the judge allows every observation:\n${v.out}`).toBeDefined();
    expect(v.departure, v.out).toBe(d!.index);
  } else if (d) {
    // A departure the reproducer did not report must lie in a step it only shows (timing-dependent).
    const e = expectations(program, createModel, await machineFor(program))[d.index];
    expect(e.loose, `the judge disagrees at step ${d.index} (${d.reason}), the reproducer passed it:\n${v.out}`).toBe(true);
  }
}

describe('C reproducers', () => {
  gate(kernelGate);

  for (const file of stored) {
    it(`of ${file}: compiles, runs, and gives the judge's verdict (or is refused)`, async () => {
      const program = readCounterexample(file).program;
      const off = notExportable(program);
      if (off) {
        expect(() => exportC(program, file, createModel)).toThrow(off);
        expect(off).toMatch(/^steps\[\d+\] is a "(suspend|settime)" host event/);
        return;
      }
      await agreesWithJudge(program, file.split('/').pop()!);
    }, 180_000);
  }
  for (const s of catalogue) {
    it(`of the selftest scenario ${s.name}: every step as the model allows`, async () => {
      const v = await reproduce(s.program, `selftest-${s.name}`);
      expect(v.status, v.out).toBe(0);
      expect(v.out).toMatch(/every step as the model allows/);
    }, 180_000);
  }

  it('of a program whose steps take values from earlier readings: the reproducer takes its own', async () => {
    const v = await reproduce(OBSERVED_VALUES_PROGRAM, 'observed-values', createModel, ['--steps']);
    expect(v.status, v.out).toBe(0);
    expect(v.out).toMatch(/every step as the model allows/);
    // The steps whose value came from a read that failed are not made there either.
    expect(v.out.match(/kernel: unresolved/g)?.length ?? 0, v.out).toBe(2);
    await agreesWithJudge(OBSERVED_VALUES_PROGRAM, 'observed-values-judged');
  }, 180_000);

  it('report a clock read off by the model by 1 ms as a departure at that step, with both values', async () => {
    const program: Program = {
      format: 1, kernel: 'current', env: { seed: 'x' }, steps: [
        { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
        { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f0' },
        { task: 't0', call: 'write', fd: 'f0', text: 'monotonic 864000 0' },
        { task: 't0', call: 'fork', child: 't1' },
        { task: 't1', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
      ],
    };
    expect((await reproduce(program, 'offsets-right')).status).toBe(0);
    // The same model, but a namespaced monotonic clock 1 ms late: the reproducer must catch it.
    const late: BackendFactory = (env) => {
      const m = createModel(env);
      return Object.assign(Object.create(m), {
        step: (s: Parameters<typeof m.step>[0], c: Parameters<typeof m.step>[1]) => {
          const o = m.step(s, c);
          return 'call' in s && s.call === 'clock_gettime' && o.time ? { ...o, time: (BigInt(o.time) + 1_000_000n).toString() } : o;
        },
      });
    };
    // The reproducer allows a reading anywhere in its own bracket, which a loaded machine can widen past
    // 1 ms; the departure must show in one of a few runs (on an idle machine, the first).
    let v = await reproduce(program, 'offsets-late', late);
    for (let i = 0; i < 4 && v.status === 0; i++) v = await reproduce(program, 'offsets-late', late);
    expect(v.status, v.out).toBe(1);
    expect(v.departure).toBe(4);
    expect(v.out).toMatch(/v=\d+\.\d+: expected within/);
  }, 180_000);
});

describe('C reproducers of read_starttime and times', () => {
  gate(kernelGate);

  it('of the STARTTIME table: the judge\'s verdict; a times() return value 1 s off is a departure there', async () => {
    await agreesWithJudge(STARTTIME_PROGRAM, 'starttime');
    // A model whose elapsed ticks run 100 ticks ahead, as if a namespace's offset shifted them.
    const ahead: BackendFactory = (env) => {
      const m = createModel(env);
      return Object.assign(Object.create(m), {
        step: (s: Parameters<typeof m.step>[0], c: Parameters<typeof m.step>[1]) => {
          const o = m.step(s, c);
          return 'call' in s && s.call === 'times' ? { ...o, ret: o.ret! + 100 } : o;
        },
      });
    };
    const v = await reproduce(STARTTIME_PROGRAM, 'starttime-ahead', ahead);
    expect(v.status, v.out).toBe(1);
    expect(v.departure).toBe(15);
    expect(v.out).toMatch(/r=\d+: expected within/);
  }, 180_000);
});

describe('export-c refuses', () => {
  it('a program with a suspend, naming the step, before writing anything', () => {
    const p: Program = { format: 1, kernel: 'current', env: { seed: 's' }, steps: [{ host: 'advance', ns: '1' }, { host: 'suspend', ns: '5' }] };
    expect(() => exportC(p, 'p.json', createModel)).toThrow(/steps\[1\] is a "suspend" host event/);
  });
});
