// The seq_file behind /proc/PID/timens_offsets (impl/seq_file.ts against fs/seq_file.c), run on impl and
// model side by side: a read(2) that stops part-way is served from m->buf next time, a seek to where the
// buffer continues or to 0 formats nothing, a zero-byte read returns before anything else, and a failed
// traverse() puts read_pos back to 0. The target being reaped makes ->show() fail (ESRCH), which shows
// whether a step formatted the record or not.
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import type { Observation, Step } from '../../vocab/index.ts';

const agree = (steps: Step[]): Observation[] => agreeing(steps, 'seq-file-corners');

// proc_timens_show_offsets(): show_offset() prints "%-10s %10lld %9ld\n" per clock; t1 is in the initial
// namespace, whose offsets are zero.
const line = (clock: string) => `${clock.padEnd(10)} ${'0'.padStart(10)} ${'0'.padStart(9)}\n`;
const TEXT = line('monotonic') + line('boottime');

const opened: Step[] = [
  { task: 't0', call: 'fork', child: 't1' },
  { task: 't0', call: 'open', target: 't1', file: 'timens_offsets', mode: 'r', fd: 'f0' },
];
const reaped: Step[] = [{ task: 't1', call: 'exit' }, { task: 't0', call: 'wait', child: 't1' }];
const read = (count: number): Step => ({ task: 't0', call: 'read', fd: 'f0', count, pos: 'current' });
const pread = (pos: number, count: number): Step => ({ task: 't0', call: 'read', fd: 'f0', count, pos });
const seek = (offset: number): Step => ({ task: 't0', call: 'lseek', fd: 'f0', offset, whence: 'SEEK_SET' });
const text = (s: string): Observation => ({ ret: s.length, text: s });

describe('timens_offsets read(2) through the seq_file buffer', () => {
  it('is 64 bytes: two records of 32', () => {
    expect(TEXT.length).toBe(64);
  });

  it('reads in pieces continue where the last one stopped', () => {
    const obs = agree([...opened, read(5), read(5), read(5), read(4096)]);
    expect(obs.slice(2)).toEqual([text(TEXT.slice(0, 5)), text(TEXT.slice(5, 10)), text(TEXT.slice(10, 15)), text(TEXT.slice(15))]);
  });

  it('a seek into the record, then read(2), gives the rest of the record', () => {
    const obs = agree([...opened, seek(5), read(4096)]);
    expect(obs.slice(2)).toEqual([{ ret: 5 }, text(TEXT.slice(5))]);
  });

  it('a read at the end of the record returns 0 bytes, not an error', () => {
    const obs = agree([...opened, read(4096), read(4096), pread(64, 10), pread(100, 10)]);
    expect(obs.slice(2)).toEqual([text(TEXT), text(''), text(''), text('')]);
  });

  it('a read of 0 bytes returns 0 without formatting the record, even once the target is reaped', () => {
    const obs = agree([...opened, ...reaped, pread(3, 0), pread(3, 1)]);
    expect(obs.slice(4)).toEqual([text(''), { err: 'ESRCH' }]);
  });
});

describe('timens_offsets lseek through the seq_file buffer', () => {
  it('a seek back to 0 formats nothing: it succeeds once the target is reaped', () => {
    const obs = agree([...opened, pread(0, 5), ...reaped, seek(0), pread(0, 5)]);
    expect(obs.slice(2)).toEqual([text(TEXT.slice(0, 5)), { ret: 0 }, { ret: 1, status: 0 }, { ret: 0 }, { err: 'ESRCH' }]);
  });

  it('a seek to where the buffer continues keeps the buffer: the rest is read after the target is reaped', () => {
    const obs = agree([...opened, pread(0, 5), ...reaped, seek(5), read(4096), read(4096)]);
    expect(obs.slice(2)).toEqual([text(TEXT.slice(0, 5)), { ret: 0 }, { ret: 1, status: 0 }, { ret: 5 }, text(TEXT.slice(5)), text('')]);
  });

  it('a read whose traverse() fails leaves read_pos at 0, so a seek to the same position formats again', () => {
    const obs = agree([...opened, ...reaped, pread(5, 10), seek(5), seek(0)]);
    expect(obs.slice(4)).toEqual([{ err: 'ESRCH' }, { err: 'ESRCH' }, { ret: 0 }]);
  });
});

describe('timens_offsets of a zombie', () => {
  // timens_for_children_get() finds no nsproxy on a task that has exited: an empty record, and the
  // iterator past it. A read from 0 starts again from the first record (seq_read_iter's reset).
  it('shows an empty record; once reaped, a read from 0 formats again and fails', () => {
    const obs = agree([...opened, { task: 't1', call: 'exit' }, pread(0, 10), { task: 't0', call: 'wait', child: 't1' }, pread(0, 10)]);
    expect(obs.slice(3)).toEqual([text(''), { ret: 1, status: 0 }, { err: 'ESRCH' }]);
  });
});
