// The timens vvar page and the vDSO read (reference §9; kernel/time/namespace.c
// timens_setup_vdso_clock_data; lib/vdso/gettimeofday.c): seq = 1 and clock_mode = VDSO_CLOCKMODE_TIMENS
// (INT_MAX) forever, offsets by clock id, host time read under the real page's seq, offset added once.
import { describe, expect, it } from 'vitest';
import { cvdsoClockGettime, timensSetupVdsoData, VDSO_CLOCKMODE_TIMENS } from '../../impl/vdso.ts';
import { CLOCKS, INT_MAX } from '../../vocab/index.ts';
import { Run, SEC } from './helpers.ts';

describe('timens page contents', () => {
  const page = timensSetupVdsoData({ sec: 10n, nsec: 5n }, { sec: -2n, nsec: 500_000_000n });
  it('is odd and in TIMENS mode', () => {
    expect(page.seq).toBe(1);
    expect(page.clockMode).toBe(VDSO_CLOCKMODE_TIMENS);
    expect(VDSO_CLOCKMODE_TIMENS).toBe(INT_MAX);
  });
  it('holds the monotonic offset at MONOTONIC, MONOTONIC_RAW, MONOTONIC_COARSE', () => {
    for (const c of [CLOCKS.CLOCK_MONOTONIC, CLOCKS.CLOCK_MONOTONIC_RAW, CLOCKS.CLOCK_MONOTONIC_COARSE]) {
      expect([page.offSec[c], page.offNsec[c]]).toEqual([10, 5]);
    }
  });
  it('holds the boottime offset at BOOTTIME and BOOTTIME_ALARM', () => {
    for (const c of [CLOCKS.CLOCK_BOOTTIME, CLOCKS.CLOCK_BOOTTIME_ALARM]) {
      expect([page.offSec[c], page.offNsec[c]]).toEqual([-2, 500_000_000]);
    }
  });
  it('holds zero for every other slot', () => {
    for (const c of [0, 2, 3, 5, 8, 10, 11, 12, 15]) expect([page.offSec[c], page.offNsec[c]]).toEqual([0, 0]);
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
