// /proc/PID/timens_offsets and the values read inside a namespace: reference §5 (format, grammar,
// check order, worked examples) and §8 (example values).
import { describe, expect, it } from 'vitest';
import type { Step } from '../../vocab/index.ts';
import { HOST_ROOT_CAPS, S, environment, hostClocks, run } from './run.ts';

const fresh: Step[] = [
  { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'rw', fd: 'f1' },
];
const write = (text: string): Step => ({ task: 't0', call: 'write', fd: 'f1', text });
const read: Step = { task: 't0', call: 'read', fd: 'f1' };
const line = (name: string, sec: string, nsec: string) => `${name.padEnd(10)} ${sec.padStart(10)} ${nsec.padStart(9)}\n`;

describe('§5.2 read format', () => {
  it('zero offsets are two 32-byte lines, monotonic first', () => {
    const r = run(fresh);
    expect(r.do(read)).toEqual({ ret: 64, text: 'monotonic           0         0\nboottime            0         0\n' });
  });
  it('negative seconds and wide numbers', () => {
    const r = run([...fresh, write('monotonic -5 500000000\nboottime 123456789 999999999')]);
    expect(r.do(read).text).toBe('monotonic          -5 500000000\nboottime    123456789 999999999\n');
  });
  it('an exiting target reads empty, a reaped one ESRCH', () => {
    const r = run([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't0', call: 'open', target: 't1', file: 'timens_offsets', mode: 'r', fd: 'f1' },
      { task: 't1', call: 'exit' },
    ]);
    expect(r.do(read)).toEqual({ ret: 0, text: '' });
    expect(r.do({ task: 't0', call: 'wait', child: 't1' })).toEqual({ ret: 1, status: 0 });
    expect(r.do(read)).toEqual({ err: 'ESRCH' });
  });
});

describe('§5.7 worked examples (fresh, unfrozen tfc, CAP_SYS_TIME)', () => {
  const rows: [string, number | 'EINVAL' | 'ERANGE', [string, string] | null, [string, string] | null][] = [
    ['monotonic 10 0', 14, ['10', '0'], ['0', '0']],
    ['boottime -5 0', 13, ['0', '0'], ['-5', '0']],
    ['monotonic 10 999999999', 22, ['10', '999999999'], null],
    ['monotonic 10 1000000000', 'EINVAL', ['0', '0'], null],
    ['monotonic 10 0\nboottime 20 0', 28, ['10', '0'], ['20', '0']],
    ['monotonic 1 0\nmonotonic 2 0', 27, ['2', '0'], null],
    ['boottime 10 0\nmonotonic bad 0', 'EINVAL', ['0', '0'], ['0', '0']],
    ['monotonic 10 0\nboottime 99999999999 0', 'ERANGE', ['0', '0'], ['0', '0']],
    ['monotonic 9223372037 0', 'ERANGE', ['0', '0'], null],
    ['monotonic 9223372036 0', 'ERANGE', ['0', '0'], null],
    ['monotonic -1 500000000', 22, ['-1', '500000000'], null],
    // %lu 2^63 lands in tv_nsec as -2^63 ns (about -9223372036.85 s), which brings the namespace time back
    // into range: only the bound on tv_sec itself (|sec| <= KTIME_SEC_MAX) decides these two.
    ['monotonic 9223372037 9223372036854775808', 'ERANGE', ['0', '0'], null],
    ['monotonic 9223372036 9223372036854775808', 40, null, null],
  ];
  for (const [text, outcome, mono, boot] of rows) {
    it(JSON.stringify(text), () => {
      const r = run([...fresh]);
      const o = r.do(write(text));
      expect(o).toEqual(typeof outcome === 'number' ? { ret: outcome } : { err: outcome });
      const shown = r.do(read).text!;
      if (mono) expect(shown).toContain(line('monotonic', ...mono));
      if (boot) expect(shown).toContain(line('boottime', ...boot));
    });
  }
  it('monotonic -1 500000000 shifts the clocks by -0.5 s once entered', () => {
    const host = hostClocks();
    const r = run([...fresh, write('monotonic -1 500000000'), { task: 't0', call: 'fork', child: 't1' }]);
    expect(r.do({ task: 't1', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true }).time)
      .toBe(String(host.monotonic - S / 2n));
  });
  it('any valid write after the namespace was entered: EACCES, unchanged', () => {
    const r = run([...fresh, write('monotonic 10 0'), { task: 't0', call: 'fork', child: 't1' }]);
    expect(r.do(write('monotonic 20 0'))).toEqual({ err: 'EACCES' });
    expect(r.do(read).text).toContain(line('monotonic', '10', '0'));
  });
});

describe('§5.3 grammar and §5.4 check order', () => {
  it('numeric ids 1 and 7; other tokens, empty records and empty writes are EINVAL', () => {
    expect(run([...fresh, write('1 3 0\n7 4 0\n')]).obs.at(-1)).toEqual({ ret: 12 });
    for (const bad of ['realtime 1 0', '0 1 0', 'MONOTONIC 1 0', 'Boottime 1 0', 'monotonic_raw 1 0', '\n', '', 'monotonic 1', 'monotonic 1 -1']) {
      expect(run([...fresh, write(bad)]).obs.at(-1), JSON.stringify(bad)).toEqual({ err: 'EINVAL' });
    }
  });
  it('sscanf\'s edges: leading blanks skipped, a lone minus is no number, a NUL ends the text, a newline first is an empty record', () => {
    expect(run([...fresh, write(' \t monotonic 5 0')]).obs.at(-1)).toEqual({ ret: 16 });
    expect(run([...fresh, write(' \t monotonic 5 0')]).do(read).text).toContain(line('monotonic', '5', '0'));
    expect(run([...fresh, write('monotonic - 5')]).obs.at(-1)).toEqual({ err: 'EINVAL' });
    expect(run([...fresh, write('\nmonotonic 1 0')]).obs.at(-1)).toEqual({ err: 'EINVAL' });
    // The kernel parses a NUL-terminated copy, but the write consumes every byte it was given.
    const nul = run([...fresh, write('monotonic 1 0\n\0boottime 2 0')]);
    expect(nul.obs.at(-1)).toEqual({ ret: 'monotonic 1 0\n\0boottime 2 0'.length });
    expect(nul.do(read).text).toBe(line('monotonic', '1', '0') + line('boottime', '0', '0'));
  });
  it('after two records the byte count stops at the end of the second line', () => {
    const r = run([...fresh, write('monotonic 1 0\nboottime 2 0\nanything at all')]);
    expect(r.obs.at(-1)).toEqual({ ret: 'monotonic 1 0\nboottime 2 0\n'.length });
    expect(r.do(read).text).toBe(line('monotonic', '1', '0') + line('boottime', '2', '0'));
  });
  it('a write of a page or more is EINVAL before anything is parsed; one byte less is parsed', () => {
    const pad = (n: number) => 'monotonic 3 0' + ' '.repeat(n - 13);
    expect(run([...fresh, write(pad(4096))]).obs.at(-1)).toEqual({ err: 'EINVAL' });
    expect(run([...fresh, write(pad(4095))]).obs.at(-1)).toEqual({ ret: 4095 });
  });
  it('a write to the offsets of a task that has exited (no nsproxy) is ESRCH', () => {
    const r = run([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'open', target: 't1', file: 'timens_offsets', mode: 'w', fd: 'f1' },
      { task: 't1', call: 'exit' },
    ]);
    expect(r.do(write('monotonic 1 0'))).toEqual({ err: 'ESRCH' });
  });
  it('a frozen namespace still gives EINVAL for bad input and ERANGE out of range', () => {
    const r = run([...fresh, { task: 't0', call: 'fork', child: 't1' }]);
    expect(r.do(write('bogus 1 0'))).toEqual({ err: 'EINVAL' });
    expect(r.do(write('monotonic 9223372037 0'))).toEqual({ err: 'ERANGE' });
    expect(r.do(write('monotonic 1 0'))).toEqual({ err: 'EACCES' });
  });
  it('the range window moves with host time: -S <= sec <= 4611686018 - S', () => {
    const host = hostClocks({ monotonic: 1000n * S });
    const r = run([...fresh], environment(), host);
    expect(r.do(write('monotonic -1001 0'))).toEqual({ err: 'ERANGE' });
    expect(r.do(write('monotonic -1000 0'))).toEqual({ ret: 17 });
    expect(r.do(write(`monotonic ${4611686018n - 1000n} 0`))).toEqual({ ret: 22 });
    expect(r.do(write(`monotonic ${4611686018n - 999n} 0`))).toEqual({ err: 'ERANGE' });
  });
  it('a write aimed at R: EACCES with CAP_SYS_TIME in the initial ns, EPERM without', () => {
    const open: Step = { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' };
    expect(run([open, write('monotonic 1 0')]).obs.at(-1)).toEqual({ err: 'EACCES' });
    const noTime = environment({ caps: HOST_ROOT_CAPS.filter((c) => c !== 'CAP_SYS_TIME') });
    expect(run([open, write('monotonic 1 0')], noTime).obs.at(-1)).toEqual({ err: 'EPERM' });
  });
  it('§5.6: an fd opened while privileged still works after setuid(nobody)', () => {
    const r = run([...fresh, { task: 't0', call: 'setuid', uid: 65534 }, write('boottime 7 0')]);
    expect(r.obs.at(-1)).toEqual({ ret: 12 });
  });
});

describe('§8 example values (boottime offset +864000 s)', () => {
  it('uptime, btime and sysinfo are shifted for a reader inside, not outside', () => {
    const r = run([...fresh, write('boottime 864000 0'), { task: 't0', call: 'fork', child: 't1' }]);
    expect(r.do({ task: 't0', call: 'read_uptime' }).text).toBe('1051.63 2009.22\n');
    expect(r.do({ task: 't1', call: 'read_uptime' }).text).toBe('865051.63 2009.22\n');
    expect(r.do({ task: 't0', call: 'read_btime' }).value).toBe('1795911312');
    expect(r.do({ task: 't1', call: 'read_btime' }).value).toBe('1795047312');
    expect(r.do({ task: 't0', call: 'sysinfo' }).value).toBe('1052');
    expect(r.do({ task: 't1', call: 'sysinfo' }).value).toBe('865052');
  });
  it('btime before the epoch: floor division, also at a whole negative second, shown unsigned', () => {
    // bootRealtime is 1795911312 s; an offset one second larger puts the namespace's boot at -1 s exactly.
    // fs/proc/stat.c prints tv_sec as unsigned long long.
    const u64 = (n: bigint) => String((1n << 64n) + n);
    for (const [offset, btime] of [['1795911313 0', u64(-1n)], ['1795911313 1', u64(-2n)], ['1795911312 999999999', u64(-1n)]]) {
      const r = run([...fresh, write(`boottime ${offset}`), { task: 't0', call: 'fork', child: 't1' }]);
      expect(r.do({ task: 't1', call: 'read_btime' }).value, offset).toBe(btime);
    }
  });
  it('§6.1: clocks with an offset move, the others do not', () => {
    const host = hostClocks();
    const r = run([...fresh, write('monotonic 10 0\nboottime 20 0'), { task: 't0', call: 'fork', child: 't1' }]);
    const at = (clock: 'CLOCK_MONOTONIC' | 'CLOCK_MONOTONIC_RAW' | 'CLOCK_MONOTONIC_COARSE' | 'CLOCK_BOOTTIME' | 'CLOCK_BOOTTIME_ALARM' | 'CLOCK_REALTIME' | 'CLOCK_TAI' | number) => r.do({ task: 't1', call: 'clock_gettime', clock, vdso: false }).time;
    expect(at('CLOCK_MONOTONIC')).toBe(String(host.monotonic + 10n * S));
    expect(at('CLOCK_MONOTONIC_RAW')).toBe(String(host.monotonicRaw + 10n * S));
    expect(at('CLOCK_MONOTONIC_COARSE')).toBe(String(host.monotonicCoarse + 10n * S));
    expect(at('CLOCK_BOOTTIME')).toBe(String(host.boottime + 20n * S));
    expect(at('CLOCK_BOOTTIME_ALARM')).toBe(String(host.boottime + 20n * S));
    expect(at('CLOCK_REALTIME')).toBe(String(host.realtime));
    expect(at('CLOCK_TAI')).toBe(String(host.tai));
    expect(at(10)).toBeUndefined();
    expect(r.do({ task: 't1', call: 'clock_getres', clock: 'CLOCK_MONOTONIC', vdso: true })).toEqual({ ret: 0, time: '1' });
  });
});
