// The file position of timens_offsets on impl (impl/seq_file.ts), against the expected observations of
// test/kernel/programs.ts (the same table the model and the kernel are checked with).
import { describe, expect, it } from 'vitest';
import { OFFSETS_POSITION } from '../kernel/programs.ts';
import { Run } from './helpers.ts';

describe('timens_offsets file position on impl', () => {
  it('observes every step of the table', () => {
    const r = new Run();
    OFFSETS_POSITION.forEach(([step, expected], i) => expect(r.step(step), `step ${i} ${JSON.stringify(step)}`).toEqual(expected));
  });

  it('a seek that fails to traverse (the target is reaped) puts the position back to 0', () => {
    const r = new Run();
    r.ok({ task: 't0', call: 'fork', child: 't1' },
      { task: 't0', call: 'open', target: 't1', file: 'timens_offsets', mode: 'r', fd: 'f0' },
      { task: 't0', call: 'lseek', fd: 'f0', offset: 0, whence: 'SEEK_SET' },
      { task: 't1', call: 'exit' }, { task: 't0', call: 'wait', child: 't1' });
    expect(r.step({ task: 't0', call: 'lseek', fd: 'f0', offset: 5, whence: 'SEEK_SET' })).toEqual({ err: 'ESRCH' });
    expect(r.step({ task: 't0', call: 'lseek', fd: 'f0', offset: 0, whence: 'SEEK_CUR' })).toEqual({ ret: 0 });
  });
});
