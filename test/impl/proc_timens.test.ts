// /proc/PID/timens_offsets: the read format of §5.2 and the write grammar and worked examples of
// §5.3-§5.7 of the reference, driven through the whole backend.
import { describe, expect, it } from 'vitest';
import { parseTimensOffsets, timensOffsetsText } from '../../impl/proc_timens.ts';
import type { TimeNamespace } from '../../impl/time_namespace.ts';
import { Run, SEC } from './helpers.ts';

function fakeNs(mono: [bigint, bigint], boot: [bigint, bigint], frozen = false): TimeNamespace {
  return {
    inum: 1, owner: null as never, monotonic: { sec: mono[0], nsec: mono[1] }, boottime: { sec: boot[0], nsec: boot[1] },
    frozenOffsets: frozen, vvarPage: null, procText: null, ucountUid: 0, count: 1,
  };
}

describe('read format (§5.2)', () => {
  it('zero offsets are two 32-byte lines', () => {
    const text = timensOffsetsText(fakeNs([0n, 0n], [0n, 0n]));
    expect(text).toBe('monotonic           0         0\nboottime            0         0\n');
    expect(text.length).toBe(64);
  });
  it('the documented example', () => {
    expect(timensOffsetsText(fakeNs([-5n, 500000000n], [123456789n, 999999999n])))
      .toBe('monotonic          -5 500000000\nboottime    123456789 999999999\n');
  });
  it('wider numbers widen the line', () => {
    expect(timensOffsetsText(fakeNs([-4611686018n, 0n], [0n, 0n])).split('\n')[0]).toBe('monotonic  -4611686018         0');
  });
});

describe('write grammar (§5.3)', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  it('accepts symbolic and numeric clock names', () => {
    for (const [text, clk] of [['monotonic 1 2', 1], ['1 1 2', 1], ['boottime 1 2', 7], ['7 1 2', 7]] as const) {
      const p = parseTimensOffsets(enc(text));
      expect(p).not.toBe('EINVAL');
      if (p !== 'EINVAL') expect(p.records).toEqual([{ clockid: clk, val: { sec: 1n, nsec: 2n } }]);
    }
  });
  it('rejects every other token, case-sensitively', () => {
    for (const tok of ['realtime', '0', '4', '6', '9', 'MONOTONIC', 'Boottime', 'monotonic_raw']) {
      expect(parseTimensOffsets(enc(`${tok} 1 0`))).toBe('EINVAL');
    }
  });
  it('rejects missing fields, empty records and empty writes', () => {
    for (const text of ['', '\n', 'monotonic', 'monotonic 5', 'monotonic 5 0\n\n', 'monotonic 5 -1', 'monotonic x 0']) {
      expect(parseTimensOffsets(enc(text))).toBe('EINVAL');
    }
  });
  it('a final newline is optional', () => {
    expect(parseTimensOffsets(enc('monotonic 1 0\n'))).toEqual({ records: [{ clockid: 1, val: { sec: 1n, nsec: 0n } }], count: 14 });
  });
  it('nanoseconds 999999999 pass and 1000000000 does not', () => {
    expect(parseTimensOffsets(enc('monotonic 10 999999999'))).not.toBe('EINVAL');
    expect(parseTimensOffsets(enc('monotonic 10 1000000000'))).toBe('EINVAL');
  });
});

describe('worked examples (§5.7), fresh unfrozen tfc with CAP_SYS_TIME', () => {
  function fresh() {
    const r = new Run();
    r.ok({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'rw', fd: 'f1' });
    const write = (text: string) => r.step({ task: 't0', call: 'write', fd: 'f1', text });
    const offsets = () => {
      const ns = r.ns(r.task('t0').timeNsForChildren);
      return [ns.monotonic, ns.boottime];
    };
    return { r, write, offsets };
  }
  const cases: Array<[string, string | null, [string, string]]> = [
    ['monotonic 10 0', null, [String(10n * SEC), '0']],
    ['boottime -5 0', null, ['0', String(-5n * SEC)]],
    ['monotonic 10 999999999', null, [String(10n * SEC + 999999999n), '0']],
    ['monotonic 10 1000000000', 'EINVAL', ['0', '0']],
    ['monotonic 10 0\nboottime 20 0', null, [String(10n * SEC), String(20n * SEC)]],
    ['monotonic 1 0\nmonotonic 2 0', null, [String(2n * SEC), '0']],
    ['boottime 10 0\nmonotonic bad 0', 'EINVAL', ['0', '0']],
    ['monotonic 10 0\nboottime 99999999999 0', 'ERANGE', ['0', '0']],
    ['monotonic 9223372037 0', 'ERANGE', ['0', '0']],
    ['monotonic 9223372036 0', 'ERANGE', ['0', '0']],
    ['monotonic -1 500000000', null, [String(-SEC / 2n), '0']],
  ];
  for (const [text, err, after] of cases) {
    it(JSON.stringify(text), () => {
      const { write, offsets } = fresh();
      const o = write(text);
      if (err === null) expect(o).toEqual({ ret: new TextEncoder().encode(text).length });
      else expect(o).toEqual({ err });
      expect(offsets()).toEqual(after);
    });
  }
  it('only two records are applied; the write consumes up to the second line', () => {
    const { write, offsets } = fresh();
    expect(write('monotonic 1 0\nboottime 2 0\ngarbage')).toEqual({ ret: 27 });
    expect(offsets()).toEqual([String(SEC), String(2n * SEC)]);
  });
  it('any valid write after the namespace was entered is EACCES; bad input is still EINVAL, ERANGE', () => {
    const { r, write, offsets } = fresh();
    expect(write('monotonic 7 0')).toEqual({ ret: 13 });
    r.ok({ task: 't0', call: 'fork', child: 't1' });
    expect(write('monotonic 8 0')).toEqual({ err: 'EACCES' });
    expect(write('monotonic 8')).toEqual({ err: 'EINVAL' });
    expect(write('monotonic 9223372037 0')).toEqual({ err: 'ERANGE' });
    expect(offsets()).toEqual([String(7n * SEC), '0']);
  });
  it('the window moves with host time: -S is the lowest accepted offset (§5.5)', () => {
    const { r, write } = fresh();
    // Host monotonic is 1000 s plus a few µs: -1000 s lands at 0 s, -1001 s below zero.
    expect(write('monotonic -1001 0')).toEqual({ err: 'ERANGE' });
    expect(write('monotonic -1000 0')).toEqual({ ret: 17 });
    void r;
  });
  it('a valid write aimed at the initial namespace: EACCES with CAP_SYS_TIME, EPERM without (§5.4)', () => {
    const r = new Run();
    r.ok({ task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' });
    expect(r.step({ task: 't0', call: 'write', fd: 'f1', text: 'monotonic 1 0' })).toEqual({ err: 'EACCES' });
    const u = new Run({ caps: ['CAP_SYS_ADMIN'] });
    u.ok({ task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' });
    expect(u.step({ task: 't0', call: 'write', fd: 'f1', text: 'monotonic 1 0' })).toEqual({ err: 'EPERM' });
  });
});
