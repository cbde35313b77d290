// The timens vvar page and the vDSO read (reference §9; kernel/time/namespace.c
// timens_setup_vdso_clock_data; lib/vdso/gettimeofday.c): seq = 1 and clock_mode = VDSO_CLOCKMODE_TIMENS
// (INT_MAX) forever, offsets by clock id, host time read under the real page's seq, offset added once.
import { describe, expect, it } from 'vitest';
import type { Kernel, MmStruct } from '../../impl/sched.ts';
import {
  createHostPage, cvdsoClockGetres, cvdsoClockGettime, timensSetupVdsoData, updateVsyscall, VDSO_CLOCKMODE_TIMENS,
} from '../../impl/vdso.ts';
import { CLOCKS, INT_MAX } from '../../vocab/index.ts';
import type { HostClocks } from '../../vocab/index.ts';
import { Run, SEC, startHost } from './helpers.ts';

describe('timens page contents', () => {
  const page = timensSetupVdsoData({ sec: 10n, nsec: 5n }, { sec: -2n, nsec: 500_000_000n });
  it('is odd and in TIMENS mode', () => {
    expect(page.seq).toBe(1);
    expect(page.clockMode).toBe(VDSO_CLOCKMODE_TIMENS);
    expect(VDSO_CLOCKMODE_TIMENS).toBe(INT_MAX);
  });
  it('holds the monotonic offset at MONOTONIC, MONOTONIC_RAW, MONOTONIC_COARSE', () => {
    for (const c of [CLOCKS.CLOCK_MONOTONIC, CLOCKS.CLOCK_MONOTONIC_RAW, CLOCKS.CLOCK_MONOTONIC_COARSE]) {
      expect([page.off[2 * c], page.off[2 * c + 1]]).toEqual([10, 5]);
    }
  });
  it('holds the boottime offset at BOOTTIME and BOOTTIME_ALARM', () => {
    for (const c of [CLOCKS.CLOCK_BOOTTIME, CLOCKS.CLOCK_BOOTTIME_ALARM]) {
      expect([page.off[2 * c], page.off[2 * c + 1]]).toEqual([-2, 500_000_000]);
    }
  });
  it('holds zero for every other slot', () => {
    for (const c of [0, 2, 3, 5, 8, 10, 11, 12, 15]) expect([page.off[2 * c], page.off[2 * c + 1]]).toEqual([0, 0]);
  });
  it('keeps a whole-second offset whole, and normalises a negative nsec into [0, 1e9)', () => {
    const p = timensSetupVdsoData({ sec: 7n, nsec: 0n }, { sec: 3n, nsec: -1n });
    expect([p.off[2 * CLOCKS.CLOCK_MONOTONIC], p.off[2 * CLOCKS.CLOCK_MONOTONIC + 1]]).toEqual([7, 0]);
    expect([p.off[2 * CLOCKS.CLOCK_BOOTTIME], p.off[2 * CLOCKS.CLOCK_BOOTTIME + 1]]).toEqual([2, 999_999_999]);
  });
});

/** A kernel with only what update_vsyscall touches: the host clocks and the host page. */
function timekeeper(): Kernel {
  return { host: startHost(), vdsoData: createHostPage(4_000_000n) } as unknown as Kernel;
}

const PAGE_CLOCKS: Array<[keyof HostClocks, number]> = [
  ['realtime', CLOCKS.CLOCK_REALTIME], ['monotonic', CLOCKS.CLOCK_MONOTONIC], ['monotonicRaw', CLOCKS.CLOCK_MONOTONIC_RAW],
  ['realtimeCoarse', CLOCKS.CLOCK_REALTIME_COARSE], ['monotonicCoarse', CLOCKS.CLOCK_MONOTONIC_COARSE],
  ['boottime', CLOCKS.CLOCK_BOOTTIME], ['tai', CLOCKS.CLOCK_TAI],
];

describe('update_vsyscall', () => {
  it('publishes the first update even when the clocks equal the boot values, seq moving by 2', () => {
    const k = timekeeper();
    updateVsyscall(k, { ...k.host });
    expect(k.vdsoData.seq).toBe(2);
    expect(k.vdsoData.base[2 * CLOCKS.CLOCK_MONOTONIC]).toBe(1000);
  });
  it('leaves the page and its seq alone when no clock moved', () => {
    const k = timekeeper();
    updateVsyscall(k, { ...k.host });
    updateVsyscall(k, { ...k.host, cputime: k.host.cputime + 1n, idle: k.host.idle + 1n });
    expect(k.vdsoData.seq).toBe(2);
  });
  it('publishes an update that moves any one clock of the page, and only its slot changes', () => {
    for (const [field, clk] of PAGE_CLOCKS) {
      const k = timekeeper();
      updateVsyscall(k, { ...k.host });
      const before = [...k.vdsoData.base];
      updateVsyscall(k, { ...k.host, [field]: (k.host[field] as bigint) + 5n });
      expect(k.vdsoData.seq, field).toBe(4);
      const after = [...k.vdsoData.base];
      // nsec of clk is at 2 clk + 1 (5 ns moves no second here).
      expect(after[2 * clk + 1] - before[2 * clk + 1], field).toBe(5);
      expect(after.filter((v, i) => i !== 2 * clk + 1), field).toEqual(before.filter((_, i) => i !== 2 * clk + 1));
    }
  });
});

describe('the vDSO entry points', () => {
  const mm = { vvar: createHostPage(4_000_000n), timensSlot: null } as unknown as MmStruct;
  const served = new Set<number>([0, 1, 4, 5, 6, 7, 11]);
  it('clock_gettime answers exactly the HRES, COARSE and RAW clocks, and no id outside 0..15', () => {
    const out = new Float64Array(2);
    for (let clk = 0; clk < 16; clk++) expect(cvdsoClockGettime(mm, clk, out), `clock ${clk}`).toBe(served.has(clk) ? 0 : 1);
    // 1 << 32 and 1 << -32 are 1 in JavaScript, 1 << -31 is 2: only the range check keeps these off the page.
    for (const clk of [-1, -31, -32, 16, 32, 33, 36]) expect(cvdsoClockGettime(mm, clk, out), `clock ${clk}`).toBe(1);
  });
  it('clock_getres answers the same clocks: hrtimer resolution, or the tick for COARSE', () => {
    const out = new Float64Array(2);
    for (let clk = 0; clk < 16; clk++) {
      expect(cvdsoClockGetres(mm, clk, out), `clock ${clk}`).toBe(served.has(clk) ? 0 : 1);
      if (served.has(clk)) expect([...out], `clock ${clk}`).toEqual([0, clk === 5 || clk === 6 ? 4_000_000 : 1]);
    }
    for (const clk of [-1, -31, -32, 16, 32, 33, 36]) expect(cvdsoClockGetres(mm, clk, out), `clock ${clk}`).toBe(1);
  });
});

function inNamespace(mono: string, boot: string): Run {
  const r = new Run();
  r.ok({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' },
    { task: 't0', call: 'write', fd: 'f1', text: `monotonic ${mono}\nboottime ${boot}` },
    { task: 't0', call: 'fork', child: 't1' });
  return r;
}

describe('vDSO read path', () => {
  it('a task in the namespace reads host + offset, normalised; REALTIME and TAI unshifted', () => {
    const r = inNamespace('-1 500000000', '86400 999999999');
    const h = r.host;
    const out = new Float64Array(2);
    const read = (clk: number) => {
      expect(r.b.vdsoClockGettime('t1', clk, out)).toBe(0);
      return BigInt(out[0]) * SEC + BigInt(out[1]);
    };
    expect(read(CLOCKS.CLOCK_MONOTONIC)).toBe(h.monotonic - SEC / 2n);
    expect(read(CLOCKS.CLOCK_MONOTONIC_RAW)).toBe(h.monotonicRaw - SEC / 2n);
    expect(read(CLOCKS.CLOCK_MONOTONIC_COARSE)).toBe(h.monotonicCoarse - SEC / 2n);
    expect(read(CLOCKS.CLOCK_BOOTTIME)).toBe(h.boottime + 86400n * SEC + 999_999_999n);
    expect(read(CLOCKS.CLOCK_REALTIME)).toBe(h.realtime);
    expect(read(CLOCKS.CLOCK_TAI)).toBe(h.tai);
    expect(out[1]).toBeLessThan(1e9);
  });
  it('carries the offset\'s nanoseconds into seconds at 1e9 exactly and above, never below', () => {
    // Four steps ran, so the host's nanoseconds read 4000 (helpers: 1 µs per step from whole seconds).
    for (const [offNsec, want] of [[999_995_999, [1100 + 5, 999_999_999]], [999_996_000, [1100 + 6, 0]], [999_996_001, [1100 + 6, 1]]] as const) {
      const r = inNamespace('0 0', `5 ${offNsec}`);
      expect(r.host.boottime % SEC).toBe(4000n);
      const out = new Float64Array(2);
      expect(r.b.vdsoClockGettime('t1', CLOCKS.CLOCK_BOOTTIME, out)).toBe(0);
      expect([...out]).toEqual(want);
    }
  });
  it('the parent, still in the initial namespace, reads the host page directly', () => {
    const r = inNamespace('100 0', '0 0');
    const out = new Float64Array(2);
    expect(r.b.vdsoClockGettime('t0', CLOCKS.CLOCK_MONOTONIC, out)).toBe(0);
    expect(BigInt(out[0]) * SEC + BigInt(out[1])).toBe(r.host.monotonic);
  });
  it('vDSO and syscall give the same value for every clock', () => {
    const r = inNamespace('-3 250000000', '7 1');
    for (const clock of [...Object.keys(CLOCKS), 10, 12, 15, -1] as Array<keyof typeof CLOCKS | number>) {
      for (const task of ['t0', 't1']) {
        const s = r.b.step({ task, call: 'clock_gettime', clock, vdso: false }, r.host);
        const v = r.b.step({ task, call: 'clock_gettime', clock, vdso: true }, r.host);
        expect(v).toEqual(s);
      }
    }
  });
  it('clocks without a vDSO path are not answered by the page', () => {
    const r = inNamespace('1 0', '1 0');
    const out = new Float64Array(2);
    expect(r.b.vdsoClockGettime('t1', CLOCKS.CLOCK_PROCESS_CPUTIME_ID, out)).toBe(0);
    expect(BigInt(out[0]) * SEC + BigInt(out[1])).toBe(r.host.cputime);
    expect(r.b.vdsoClockGettime('t1', 10, out)).toBe(-22);
  });
  it('the page is built at the first entry, not at unshare, and tasks in R never see TIMENS', () => {
    const r = new Run();
    r.ok({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] });
    const out = new Float64Array(2);
    // Unshare does not move the caller (§2.2): still the host page.
    expect(r.b.vdsoClockGettime('t0', CLOCKS.CLOCK_MONOTONIC, out)).toBe(0);
    expect(BigInt(out[0]) * SEC + BigInt(out[1])).toBe(r.host.monotonic);
    expect(r.ns(r.task('t0').timeNsForChildren).frozen).toBe(false);
    r.ok({ task: 't0', call: 'exec' });
    expect(r.ns(r.task('t0').timeNs).frozen).toBe(true);
    void cvdsoClockGettime;
  });
});
