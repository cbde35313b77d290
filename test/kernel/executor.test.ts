// The executor's own mechanics on the real kernel: task lifetimes as docs/conventions.md states them,
// and the cases that once hung or broke a run.
import { describe, expect, it } from 'vitest';
import { compareOnKernel, describeDisagreement } from '../../kernel/compare.ts';
import { runOnKernel } from '../../kernel/driver.ts';
import { createModel } from '../../model/index.ts';
import type { Observation } from '../../vocab/index.ts';
import { program } from './programs.ts';
import { gate, kernelGate } from './skip.ts';

function observations(steps: { obs: unknown }[]): Observation[] {
  return steps.map((s) => s.obs as Observation);
}

describe('executor mechanics', () => {
  gate(kernelGate);
  it('a chain of forks that starts in a thread (each child gets its own stack)', async () => {
    const run = await runOnKernel(program([
      { task: 't0', call: 'thread', child: 't1' },
      { task: 't1', call: 'fork', child: 't2' },
      { task: 't2', call: 'fork', child: 't3' },
      { task: 't3', call: 'fork', child: 't4' },
      { task: 't4', call: 'fork', child: 't5' },
      { task: 't5', call: 'fork', child: 't6' },
      { task: 't6', call: 'sysinfo' },
    ]));
    const obs = observations(run.steps);
    expect(obs.slice(0, 6).map((o) => o.handle)).toEqual(['t1', 't2', 't3', 't4', 't5', 't6']);
    expect(obs[6].ret).toBe(0);
  });

  it('a leader that exits before its thread, and a non-leader exec that takes over its pid', async () => {
    const run = await runOnKernel(program([
      { task: 't0', call: 'thread', child: 't1' },
      { task: 't0', call: 'exit' },
      { task: 't0', call: 'sysinfo' },
      { task: 't1', call: 'exec' },
      { task: 't1', call: 'readlink', target: 't0', link: 'time' }, // t0's pid is now t1's
      { task: 't1', call: 'exit_group' },
      { task: 't1', call: 'sysinfo' },
    ]));
    const obs = observations(run.steps);
    expect(obs[1]).toEqual({ ret: 0 });
    expect(obs[2]).toEqual({ err: 'ESRCH' });
    expect(obs[3]).toEqual({ ret: 0 });
    expect(obs[4]).toEqual({ ret: 17, link: 'time:[4026531834]' });
    expect(obs[6]).toEqual({ err: 'ESRCH' });
  });

  it('a vfork parent is blocked until its child exits; orphans are reaped by the harness', async () => {
    const run = await runOnKernel(program([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'vfork', child: 't2' },
      { task: 't1', call: 'sysinfo' },
      { task: 't2', call: 'fork', child: 't3' },
      { task: 't2', call: 'exit' },
      { task: 't1', call: 'wait', child: 't2' },
      { task: 't3', call: 'exit' },
      { task: 't1', call: 'exit' },
      { task: 't0', call: 'wait', child: 't1' },
      { task: 't0', call: 'wait', child: 't3' },
    ]));
    const obs = observations(run.steps);
    expect(obs[2]).toEqual({ blocked: true });
    expect(obs[5]).toEqual({ ret: 1, status: 0 }); // released by the exit, then reaped by its parent
    expect(obs[8]).toEqual({ ret: 1, status: 0 });
    // t3's parent t2 ended: t3 went to the reaper, which reaped it at once.
    expect(obs[9]).toEqual({ err: 'ECHILD' });
  });

  it('btime before 1970 is printed unsigned (seq_put_decimal_ull in fs/proc/stat.c)', async () => {
    const run = await runOnKernel(program([
      { task: 't0', call: 'read_btime' },
      { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' },
      { task: 't0', call: 'write', fd: 'f1', text: 'boottime 4000000000 0' },
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'read_btime' },
    ]));
    const obs = observations(run.steps);
    const host = BigInt(obs[0].value!);
    expect(BigInt(obs[5].value!)).toBe(BigInt.asUintN(64, host - 4_000_000_000n));
  });

  // The format allows 4096 characters of text; the command that carries one is twice as long in hex
  // (more for UTF-8) and reaches the task in pieces. timens_offsets_write (fs/proc/base.c) refuses
  // count >= PAGE_SIZE with EINVAL before reading anything, and otherwise stops after its second record
  // (count = next_line - kbuf), so a page-size-less-one write of two records and padding returns 27.
  it('offsets writes of up to 4096 bytes reach the kernel whole, as UTF-8, and the model agrees', async () => {
    const records = 'monotonic 1 0\nboottime 1 0\n'; // 27 bytes
    const texts = [
      records + 'x'.repeat(4095 - 27), // 4095 bytes
      records + 'x'.repeat(4096 - 27), // 4096 bytes: a page
      records + 'é'.repeat(2034), // 4095 bytes in 2061 characters
      records + 'é'.repeat(2034) + 'x', // 4096 bytes in 2062 characters
    ];
    expect(texts.map((t) => Buffer.byteLength(t))).toEqual([4095, 4096, 4095, 4096]);
    const p = program([
      { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f0' },
      ...texts.map((text) => ({ task: 't0', call: 'write', fd: 'f0', text }) as const),
    ]);
    const r = await compareOnKernel(p, createModel);
    if (r.disagreement) console.log(describeDisagreement(r.disagreement));
    expect(observations(r.run.steps).slice(2)).toEqual([{ ret: 27 }, { err: 'EINVAL' }, { ret: 27 }, { err: 'EINVAL' }]);
    expect(r.disagreement).toBeUndefined();
  });

  // The executor reads MONOTONIC and BOOTTIME one after the other; the delay between the reads once made
  // BOOTTIME - MONOTONIC grow between brackets now and then, which the model took for a suspend and
  // resume, canceling a cancel-on-set timerfd that Linux left armed (ECANCELED against EAGAIN).
  it('every bracket of a run shows the same BOOTTIME - MONOTONIC, and a cancel-on-set timerfd stays armed', async () => {
    const first = await runOnKernel(program([{ task: 't0', call: 'read_uptime' }]));
    const inAnHour = String(first.steps[0].after.realtime / 1_000_000_000n + 3600n);
    const p = program([
      { task: 't0', call: 'timerfd_create', clock: 'CLOCK_REALTIME', nonblock: true, fd: 'f0' },
      { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: true, cancelOnSet: true, value: { sec: inAnHour, nsec: 0 }, interval: { sec: '0', nsec: 0 } },
      ...Array.from({ length: 20 }, () => ({ task: 't0', call: 'clock_gettime', clock: 'CLOCK_BOOTTIME', vdso: true }) as const),
      { task: 't0', call: 'read', fd: 'f0' },
    ]);
    for (let i = 0; i < 5; i++) {
      const r = await compareOnKernel(p, createModel);
      const slept = new Set(r.run.steps.flatMap((s) => [s.before, s.after]).map((c) => c.boottime - c.monotonic));
      expect(slept.size).toBe(1);
      for (const s of r.run.steps.slice(2, 22)) {
        const t = BigInt((s.obs as Observation).time!);
        expect(s.before.boottime <= t && t <= s.after.boottime, `${s.before.boottime} <= ${t} <= ${s.after.boottime}`).toBe(true);
      }
      if (r.disagreement) console.log(describeDisagreement(r.disagreement));
      expect(r.disagreement).toBeUndefined();
      expect(r.run.steps[22].obs).toEqual({ err: 'EAGAIN' });
    }
  });
});
