// Several executors side by side (kernel/pool.ts): each keeps the single executor's guard, time limit
// and reaping, a program's result does not depend on which executor ran it, and one executor's failure
// leaves the others running.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isRefused } from '../../kernel/driver.ts';
import { KernelPool, pipeline } from '../../kernel/pool.ts';
import { createModel } from '../../model/index.ts';
import type { Program, Step } from '../../vocab/index.ts';
import { gate, kernelGate } from './skip.ts';

function program(seed: string, steps: Step[]): Program {
  return { format: 1, kernel: 'current', env: { seed }, steps };
}

/** Offsets written into a new namespace, read through a child, exec and wait: every moving part. */
function busy(i: number): Program {
  return program(`pool-${i}`, [
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f0' },
    { task: 't0', call: 'write', fd: 'f0', text: `monotonic ${i + 1} 0` },
    { task: 't0', call: 'fork', child: 't1' },
    { task: 't1', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
    { task: 't1', call: 'open', target: 't1', file: 'timens_offsets', mode: 'r', fd: 'f1' },
    { task: 't1', call: 'read', fd: 'f1' },
    { task: 't1', call: 'readlink', target: 't1', link: 'time' },
    { task: 't0', call: 'exec' },
    { task: 't1', call: 'exit' },
    { task: 't0', call: 'wait', child: 't1' },
  ]);
}

/** Process group ids of every process on the machine. */
function groups(): Set<number> {
  const out = new Set<number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      // pgrp is the 5th field of /proc/PID/stat (after the parenthesised comm).
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      out.add(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]));
    } catch {
      // The process ended meanwhile.
    }
  }
  return out;
}

describe('a pool of executors', () => {
  gate(kernelGate);
  it('runs programs side by side on several executors, each judged as the model allows', async () => {
    const pool = new KernelPool({ executors: 3 });
    const seen: number[] = [];
    try {
      await pipeline(Array.from({ length: 24 }, (_, i) => busy(i)), 6, (p) => pool.compare(p, createModel), (r, p, i) => {
        expect(r.disagreement, `${p.env.seed}: ${r.disagreement?.reason}`).toBeUndefined();
        expect(r.compared).toBe(p.steps.length);
        // The offsets this program wrote, not another's: each program's state stays its own.
        expect(r.run.steps[6].obs).toMatchObject({ text: expect.stringMatching(new RegExp(`^monotonic\\s+${i + 1}\\s+0\\n`)) });
        seen.push(i);
      });
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i));
      expect(pool.executorsUsed).toBe(3);
      expect(pool.times.programs).toBe(24);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('keeps the guard on every executor: the initial namespace\'s offsets are never written', async () => {
    const pool = new KernelPool({ executors: 2 });
    try {
      const runs = await Promise.all([0, 1, 2, 3].map(() => pool.run(program('guard', [
        { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f0' },
        { task: 't0', call: 'write', fd: 'f0', text: 'monotonic 100 0' },
        { task: 't0', call: 'sysctl_write', value: 5 },
      ]))));
      for (const run of runs) {
        expect(isRefused(run.steps[1].obs)).toBe(true);
        expect(isRefused(run.steps[2].obs)).toBe(true);
      }
      expect(pool.executorsUsed).toBe(2);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('ends a run at its time limit, killing its executor only, and kills every process when closed', async () => {
    const pool = new KernelPool({ executors: 2 });
    try {
      // Fifty real waits of 20 ms: a second, against a limit of 200 ms.
      const slow = program('limit', Array.from({ length: 50 }, (): Step => ({ host: 'advance', ns: '20000000' })));
      const limited = pool.run(slow, { timeoutMs: 200 }).then((r) => r.steps, (e: Error) => e.message);
      // Meanwhile the other executor runs programs to the end.
      const others = await Promise.all([0, 1, 2].map((i) => pool.compare(busy(i), createModel)));
      for (const r of others) expect(r.disagreement).toBeUndefined();
      // The step running when the limit passed is observed hung, and the run ends there.
      const steps = await limited;
      if (typeof steps === 'string') expect.fail(`the run failed: ${steps}`);
      expect(steps.length).toBeLessThan(slow.steps.length);
      expect(steps[steps.length - 1].obs).toEqual({ hung: true });
      for (const s of steps.slice(0, -1)) expect(s.obs).toEqual({ ret: 0 });
      // The pool goes on, with a new executor in place of the one killed.
      expect((await pool.compare(busy(7), createModel)).disagreement).toBeUndefined();
      const mine = pool.processGroups();
      expect(mine.length).toBeGreaterThan(0);
      await pool.close();
      const left = groups();
      expect(mine.filter((g) => left.has(g))).toEqual([]);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
