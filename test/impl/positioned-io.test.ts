// read(2), pread and pwrite of pidfds and nsfs files, per kernel profile, on both sides. ksys_pread64()
// and ksys_pwrite64() answer -ESPIPE to a file without FMODE_PREAD / FMODE_PWRITE before looking at
// anything else; read(2) and write(2) never look at those bits. A pidfd had none of them before pidfs
// (anon_inode_getfile); since, dentry_open() gives it both, like any opened file, nsfs files included.
// Past that, vfs_read() and vfs_write() answer -EBADF without FMODE_READ / FMODE_WRITE (an nsfs file
// is opened read-only) and -EINVAL for a file with no read or write method (a pidfd is O_RDWR).
import { describe, expect, it } from 'vitest';
import { createImpl } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import { runProgram } from '../../harness/run.ts';
import type { KernelBehaviour, Observation, Step } from '../../vocab/index.ts';

const sides = [['impl', createImpl], ['model', createModel]] as const;

/** The observation of the last step, made after opening a pidfd of t0 as f0 and t0's ns/time as f1. */
function last(kernel: KernelBehaviour, side: number, step: Step): Observation {
  const steps: Step[] = [
    { task: 't0', call: 'pidfd_open', target: 't0', fd: 'f0' },
    { task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f1' },
    step,
  ];
  const obs = runProgram({ format: 1, kernel, env: { seed: 'positioned-io' }, steps }, sides[side][1]).map((e) => e.obs);
  expect(obs.slice(0, 2).map((o) => o.err)).toEqual([undefined, undefined]);
  return obs[2];
}

const readCurrent: Step = { task: 't0', call: 'read', fd: 'f0', pos: 'current' };
const preadAt0: Step = { task: 't0', call: 'read', fd: 'f0', pos: 0 };
const pwritePidfd: Step = { task: 't0', call: 'write', fd: 'f0', text: 'x', pos: 0 };
const pwriteNsfs: Step = { task: 't0', call: 'write', fd: 'f1', text: 'x', pos: 0 };

describe.each(sides.map(([name], i) => [name, i] as const))('%s', (_, side) => {
  it('read(2) of a pidfd is EINVAL (no read method) on every profile: it needs no FMODE_PREAD', () => {
    expect(last('6.1', side, readCurrent)).toEqual({ err: 'EINVAL' });
    expect(last('current', side, readCurrent)).toEqual({ err: 'EINVAL' });
  });
  it('pread of a pidfd at an explicit position: ESPIPE before pidfs (6.1), EINVAL since', () => {
    expect(last('6.1', side, preadAt0)).toEqual({ err: 'ESPIPE' });
    expect(last('current', side, preadAt0)).toEqual({ err: 'EINVAL' });
  });
  it('pwrite of a pidfd: ESPIPE before pidfs (6.1), EINVAL (no write method) since', () => {
    expect(last('6.1', side, pwritePidfd)).toEqual({ err: 'ESPIPE' });
    expect(last('6.12', side, pwritePidfd)).toEqual({ err: 'EINVAL' });
    expect(last('current', side, pwritePidfd)).toEqual({ err: 'EINVAL' });
  });
  it('pwrite of an nsfs file is EBADF (opened read-only) on every profile, 6.1 included', () => {
    expect(last('6.1', side, pwriteNsfs)).toEqual({ err: 'EBADF' });
    expect(last('current', side, pwriteNsfs)).toEqual({ err: 'EBADF' });
  });
});
