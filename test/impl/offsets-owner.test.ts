// Who may open another task's timens_offsets for writing: the inode's owner by task_dump_owner(), or a
// holder of CAP_DAC_OVERRIDE in a user namespace that maps the inode's uid and gid
// (capable_wrt_inode_uidgid). Run on impl and model side by side, states compared.
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import type { Observation, Step } from '../../vocab/index.ts';

const agree = (steps: Step[]): Observation[] => agreeing(steps, 'offsets-owner');

const openW = (task: string, target: string, fd: string): Step => ({ task, call: 'open', target, file: 'timens_offsets', mode: 'w', fd });

describe('opening another task\'s offsets for writing', () => {
  it('a dumpable task of uid 1000 owns its file; root opens it by CAP_DAC_OVERRIDE, and not without', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'setuid', uid: 1000 },
      openW('t0', 't1', 'f0'), // not dumpable after the uid change: the file is global root's
      { task: 't1', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 1 },
      openW('t0', 't1', 'f1'),
      { task: 't0', call: 'fork', child: 't2' },
      { task: 't2', call: 'drop_caps', caps: ['CAP_DAC_OVERRIDE'] },
      openW('t2', 't1', 'f2'),
    ]);
    expect(obs[2]).toEqual({ ret: 0, handle: 'f0' });
    expect(obs[4]).toEqual({ ret: 0, handle: 'f1' });
    expect(obs[7]).toEqual({ err: 'EACCES' });
  });
  it('CAP_DAC_OVERRIDE in a user namespace that does not map the owner does not do', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'setuid', uid: 1000 },
      { task: 't1', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 1 },
      { task: 't0', call: 'fork', child: 't2' },
      { task: 't2', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't2', call: 'map_root' },
      openW('t2', 't1', 'f0'),
      openW('t2', 't0', 'f1'),
    ]);
    expect(obs[6]).toEqual({ err: 'EACCES' });
    expect(obs[7]).toEqual({ ret: 0, handle: 'f1' });
  });
  it('a non-dumpable task whose mm\'s user namespace maps no root: the file is global root\'s', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'exec' },
      { task: 't1', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 0 },
      openW('t0', 't1', 'f0'),
      { task: 't0', call: 'fork', child: 't2' },
      { task: 't2', call: 'setuid', uid: 1000 },
      openW('t2', 't1', 'f1'),
    ]);
    expect(obs[4]).toEqual({ ret: 0, handle: 'f0' });
    expect(obs[7]).toEqual({ err: 'EACCES' });
  });
});
