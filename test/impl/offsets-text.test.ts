// Writes to /proc/PID/timens_offsets at the edges of sscanf("%9s %lld %lu") and of the range checks,
// run on impl and model side by side: every write and the text read back after it must agree, and so
// must the states. The model is the specification of timens_offsets_write(); impl parses raw bytes in
// one pass, so each edge here is a place where the two ways of parsing could part.
import { describe, expect, it } from 'vitest';
import { createImpl } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import { runDifferential, Stepper } from '../../harness/run.ts';
import { same } from '../../harness/compare.ts';
import { STEP_NS } from '../../harness/host.ts';
import { KTIME_SEC_MAX, NSEC_PER_SEC, type KernelBehaviour, type Observation, type Program, type Step } from '../../vocab/index.ts';

const open: Step[] = [
  { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'rw', fd: 'f1' },
];
const write = (text: string): Step => ({ task: 't0', call: 'write', fd: 'f1', text });
const readBack: Step = { task: 't0', call: 'read', fd: 'f1', pos: 0 };

/** Each text written, then the file read from the start: both sides step by step, states compared. */
function agree(texts: string[], kernel: KernelBehaviour = 'current', seed = 'offsets-text'): Observation[] {
  const steps = [...open, ...texts.flatMap((t) => [write(t), readBack])];
  const program: Program = { format: 1, kernel, env: { seed }, steps };
  const r = runDifferential(program, createModel, createImpl);
  const d = r.divergence;
  expect(d, d && `${JSON.stringify(d.step).slice(0, 200)}: model ${JSON.stringify(d.left)}, impl ${JSON.stringify(d.right)} ${d.stateDiff ?? ''}`).toBeUndefined();
  return r.trace.map((e) => e.left);
}

/** The write observations alone, in order. */
const writes = (obs: Observation[]) => obs.slice(open.length).filter((_, i) => i % 2 === 0);

describe('the clock name (%9s)', () => {
  it('blanks of isspace() before it are skipped: space, \\t \\n \\v \\f \\r', () => {
    const texts = [' monotonic 1 0', '\tmonotonic 2 0', '\vboottime 3 0', '\fmonotonic 4 0', '\rboottime 5 0', ' \t\r\v\f 7 6 0'];
    expect(writes(agree(texts)).map((o) => o.err)).toEqual(texts.map(() => undefined));
  });
  it('bytes below \\t are no blanks, before the name or between fields', () => {
    const texts = ['\x01monotonic 1 0', 'monotonic\x08 1 0', 'monotonic 1\x05 0', 'monotonic\x02 \x03 1 0', 'monotonic 1 0', '1\x01 2 0'];
    expect(writes(agree(texts)).map((o) => o.err)).toEqual(['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', undefined, 'EINVAL']);
  });
  it('the name is at most 9 bytes: the rest of a longer word is the next field', () => {
    const texts = ['monotonic1 0', 'monotonic5 7 9', 'monotonicx 1 0', 'boottimex 1 0', 'boottime1 2 3', 'boottime12 2 3', 'monotoni 1 0', 'bootime 1 0'];
    expect(writes(agree(texts)).map((o) => o.err)).toEqual([undefined, undefined, 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL']);
  });
  it('the numeric names are exactly "1" and "7"', () => {
    const texts = ['1 1 0', '7 2 0', '12 3 0', '71 4 0', '1x 5 0', '7x 6 0', '01 7 0', '17 8 0', '77 9 0'];
    expect(writes(agree(texts)).map((o) => o.err)).toEqual([undefined, undefined, 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL']);
  });
  it('a word cut by a multi-byte character is no name', () => {
    agree(['monotonic\u00a01 0', 'monotonic \u00a01 0', '1\u00a01 0', '\u00a0monotonic 1 0', 'monotonic 1\u00a00', 'monoton\u00e9 1 0', '12345678\u00a0 1 0']);
  });
});

describe('the seconds (%lld) and nanoseconds (%lu)', () => {
  it('a minus needs a digit right after it; no plus', () => {
    const texts = ['monotonic - 5', 'monotonic - 5 0', 'monotonic -x 0', 'monotonic -', 'monotonic -\n1 0', 'monotonic -5 0', 'monotonic +5 0', 'monotonic --5 0', 'monotonic 5 -0'];
    expect(writes(agree(texts)).map((o) => o.err)).toEqual(['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', undefined, 'EINVAL', 'EINVAL', 'EINVAL']);
  });
  it('the nanoseconds stop at the first non-digit; what follows on the line is ignored', () => {
    const texts = ['monotonic 5 0 junk', 'boottime 6 1 2', 'monotonic 7 12x', 'boottime 8 9\tmonotonic', 'monotonic 9 0\n', 'monotonic 9 1 \nboottime 10 7 8\n'];
    expect(writes(agree(texts)).map((o) => o.err)).toEqual(texts.map(() => undefined));
  });
  it('a field missing at the end of a line', () => {
    agree(['monotonic', 'monotonic ', 'monotonic 5', 'monotonic 5 ', 'monotonic 5\n0', 'monotonic\n5 0', '  ', '  \nmonotonic 1 0', 'monotonic 1 0\n  ', 'monotonic 1 0\nboottime']);
  });
  it('digits past 2^64 wrap; nanoseconds compare as the signed long they land in', () => {
    agree([
      'monotonic 18446744073709551617 0', 'monotonic -18446744073709551615 0', 'monotonic 9223372036854775808 0',
      'monotonic 1 18446744073709551615', 'monotonic 1 18446744073709551616', 'monotonic 1 18446744074709551616',
      'monotonic 1 999999999', 'monotonic 1 1000000000', 'monotonic 1 0000000000000999999999', 'monotonic 00001 0',
    ]);
  });
  it('negative nanoseconds by wrap-around: EINVAL before (6.12) or after (6.1) the range checks', () => {
    const texts = ['monotonic 1 18446744073709551615', 'monotonic 9223372037 18446744073709551615', 'boottime -99999999999 18446744073709551615'];
    for (const kernel of ['6.1', 'current'] as const) agree(texts, kernel);
  });
});

describe('lines, NULs and the size of the write', () => {
  it('a newline first is an empty record, a blank line ends the parse with EINVAL', () => {
    const texts = ['\nmonotonic 1 0', '\n', '\n\n', 'monotonic 1 0\n\nboottime 2 0', 'monotonic 3 0\n\n', 'monotonic 4 0\n \n'];
    expect(writes(agree(texts)).map((o) => o.err)).toEqual(['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL']);
  });
  it('a NUL ends the text; the write still consumes every byte', () => {
    const texts = ['monotonic 1 0\n\0boottime 2 0', 'monotonic 3 0\0\nboottime 4 0', 'monotonic 5\0 0', '\0monotonic 6 0', 'monotonic 7 0\nboottime 8 0\0junk', 'mono\0tonic 9 0', 'monotonic 10 0\nboottime 11 0\n\0'];
    const obs = writes(agree(texts));
    expect(obs.map((o) => o.err)).toEqual([undefined, undefined, 'EINVAL', 'EINVAL', undefined, 'EINVAL', undefined]);
    expect(obs[0].ret).toBe(texts[0].length);
  });
  it('two records at most: the count stops after the second line', () => {
    const obs = writes(agree(['monotonic 1 0\nboottime 2 0\nanything', 'boottime 3 0\nmonotonic 4 0\n', 'monotonic 5 0\nmonotonic 6 0\nmonotonic 7 0\n', '7 8 0\n1 9 0\n\n\n']));
    expect(obs.map((o) => o.ret)).toEqual([27, 27, 28, 12]);
  });
  it('a write of a page or more is EINVAL before it is parsed; one byte less is parsed', () => {
    const pad = (n: number) => 'monotonic 3 0' + ' '.repeat(n - 13);
    const obs = writes(agree([pad(4096), pad(4095), pad(4097), 'boottime 1 0\n' + '\n'.repeat(4083)]));
    expect(obs.map((o) => o.err ?? o.ret)).toEqual(['EINVAL', 4095, 'EINVAL', 'EINVAL']);
  });
  it('every text read back follows the last successful write', () => {
    const obs = agree(['monotonic 1 0', 'monotonic 2 0', 'boottime 3 0', 'x', 'monotonic -4 5']);
    const shown = obs.slice(open.length).filter((_, i) => i % 2 === 1).map((o) => o.text);
    expect(new Set(shown).size).toBe(4);
  });
});

/** Model and impl stepped together where the text depends on the host's clocks at the write. */
class Both {
  readonly sides = [new Stepper({ seed: 'offsets-range' }, createModel), new Stepper({ seed: 'offsets-range' }, createImpl)];
  constructor(steps: Step[]) {
    for (const s of steps) this.step(s);
  }
  step(s: Step): Observation {
    const [m, i] = this.sides.map((side) => side.step(s).obs);
    expect(i, JSON.stringify(s)).toEqual(m);
    expect(same(this.sides[0].side.abstract(), this.sides[1].side.abstract()), 'states').toBe(true);
    return m;
  }
  /** The host's monotonic clock as the next step will see it. */
  nextMonotonic(): bigint {
    return this.sides[0].clocks().monotonic + STEP_NS;
  }
}

/** An offset that puts the namespace's monotonic time at `target` ns at the moment of the write. */
function offsetFor(host: bigint, target: bigint): string {
  const d = target - host;
  const sec = d >= 0n || d % NSEC_PER_SEC === 0n ? d / NSEC_PER_SEC : d / NSEC_PER_SEC - 1n;
  return `monotonic ${sec} ${d - sec * NSEC_PER_SEC}`;
}

describe('the range window [0, KTIME_SEC_MAX / 2] s of namespace time (proc_timens_set_offset)', () => {
  const top = (KTIME_SEC_MAX / 2n) * NSEC_PER_SEC;
  // Each write lands exactly where it says; the expected outcome is the kernel's rule read in the model.
  const edges: [string, bigint, 'ok' | 'ERANGE'][] = [
    ['zero', 0n, 'ok'],
    ['one ns below zero', -1n, 'ERANGE'],
    ['one second below zero', -NSEC_PER_SEC, 'ERANGE'],
    ['the last whole second', top, 'ok'],
    ['the end of the last whole second', top + NSEC_PER_SEC - 1n, 'ok'],
    ['the second after it', top + NSEC_PER_SEC, 'ERANGE'],
    ['one second in', NSEC_PER_SEC, 'ok'],
  ];
  it.each(edges)('%s', (_, target, outcome) => {
    const b = new Both(open);
    const o = b.step(write(offsetFor(b.nextMonotonic(), target)));
    expect(o.err ?? 'ok').toBe(outcome);
    b.step(readBack);
  });
  it('after 292 years of uptime, -KTIME_SEC_MAX seconds still lands in the window', () => {
    const b = new Both(open);
    // Move the host to 0.3 s past KTIME_SEC_MAX whole seconds, below KTIME_MAX.
    b.step({ host: 'advance', ns: String(KTIME_SEC_MAX * NSEC_PER_SEC + 300_000_000n - b.nextMonotonic()) });
    expect(b.step(write(`monotonic -${KTIME_SEC_MAX} 0`))).toEqual({ ret: 23 });
    expect(b.step(write(`monotonic -${KTIME_SEC_MAX + 1n} 999999999`)).err).toBe('ERANGE');
  });
});
