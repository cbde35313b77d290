// The file position of timens_offsets on the model, against the expected observations of
// test/kernel/programs.ts (the same table impl and the kernel are checked with).
import { describe, expect, it } from 'vitest';
import { OFFSETS_POSITION } from '../kernel/programs.ts';
import { run } from './run.ts';

describe('timens_offsets file position on the model', () => {
  it.each(OFFSETS_POSITION.map(([step, o], i) => [i, JSON.stringify(step), step, o] as const))(
    'step %i %s', (i, _name, _step, expected) => {
      const r = run(OFFSETS_POSITION.slice(0, i + 1).map(([s]) => s));
      expect(r.obs[i]).toEqual(expected);
    });

  it('a read of a reaped target fails, and the kept text is served before the failure shows', () => {
    const r = run([
      { task: 't0', call: 'fork', child: 't1' }, { task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'open', target: 't1', file: 'timens_offsets', mode: 'r', fd: 'f0' },
      { task: 't0', call: 'read', fd: 'f0', count: 60, pos: 'current' },
      { task: 't1', call: 'exit' }, { task: 't0', call: 'wait', child: 't1' },
      { task: 't0', call: 'read', fd: 'f0', count: 60, pos: 'current' },
      { task: 't0', call: 'read', fd: 'f0', count: 60, pos: 'current' },
      { task: 't0', call: 'read', fd: 'f0' },
      { task: 't0', call: 'lseek', fd: 'f0', offset: 5, whence: 'SEEK_SET' },
    ]);
    expect(r.obs.slice(6)).toEqual([{ ret: 4, text: '  0\n' }, { ret: 0, text: '' }, { err: 'ESRCH' }, { err: 'ESRCH' }]);
  });

  // seq_read_iter() returns 0 for an empty request before it restarts or traverses, so ->show() is
  // not called and a reaped target does not show.
  it('a read of 0 bytes returns 0 without formatting, even at a position that needs a traverse', () => {
    const r = run([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't0', call: 'open', target: 't1', file: 'timens_offsets', mode: 'r', fd: 'f0' },
      { task: 't1', call: 'exit' }, { task: 't0', call: 'wait', child: 't1' },
      { task: 't0', call: 'read', fd: 'f0', count: 0, pos: 3 },
      { task: 't0', call: 'read', fd: 'f0', count: 0, pos: 'current' },
      { task: 't0', call: 'read', fd: 'f0', count: 1, pos: 3 },
    ]);
    expect(r.obs.slice(4)).toEqual([{ ret: 0, text: '' }, { ret: 0, text: '' }, { err: 'ESRCH' }]);
  });
});
