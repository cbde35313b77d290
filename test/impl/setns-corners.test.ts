// setns corners run on impl and model side by side (observations and states compared): a pidfd
// setns into a user namespace, a time namespace, or both; the ptrace check on the pidfd's task; and a
// thread left alone by its exited leader entering a user namespace (the thread group is not empty until
// the leader is reaped).
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import type { CloneFlagName, Observation, Step } from '../../vocab/index.ts';

const agree = (steps: Step[]): Observation[] => agreeing(steps, 'setns-corners');

/** t3 lives in a user namespace of t2's and in a time namespace owned by it, offsets +100 s. */
const nested: Step[] = [
  { task: 't0', call: 'fork', child: 't2' },
  { task: 't2', call: 'unshare', flags: ['CLONE_NEWUSER'] },
  { task: 't2', call: 'map_root' },
  { task: 't2', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't2', call: 'open', target: 't2', file: 'timens_offsets', mode: 'w', fd: 'f9' },
  { task: 't2', call: 'write', fd: 'f9', text: 'monotonic 100 0' },
  { task: 't2', call: 'fork', child: 't3' },
  { task: 't0', call: 'pidfd_open', target: 't3', fd: 'f0' },
];
const setns = (nstype: CloneFlagName[], task = 't0', fd = 'f0'): Step => ({ task, call: 'setns', fd, nstype });
const links: Step[] = [
  { task: 't0', call: 'readlink', target: 't0', link: 'time' },
  { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
];

describe('setns through a pidfd', () => {
  it.each([
    [['CLONE_NEWUSER', 'CLONE_NEWTIME']],
    [['CLONE_NEWUSER']],
    [['CLONE_NEWTIME']],
  ] as CloneFlagName[][][])('%j: the namespaces asked for, and only those', (flags) => {
    const obs = agree([...nested, setns(flags), ...links]);
    expect(obs[nested.length]).toEqual({ ret: 0 });
  });
  it('a target the caller may not ptrace (another uid, no CAP_SYS_PTRACE) is EPERM before the namespaces are looked at', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'setuid', uid: 1000 },
      { task: 't0', call: 'drop_caps', caps: ['CAP_SYS_PTRACE'] },
      { task: 't0', call: 'pidfd_open', target: 't1', fd: 'f0' },
      setns(['CLONE_NEWTIME']),
    ]);
    expect(obs[4]).toEqual({ err: 'EPERM' });
  });
  it('a thread whose leader has exited is still in a thread group that is not empty: EINVAL for a user namespace', () => {
    const obs = agree([
      ...nested,
      { task: 't0', call: 'thread', child: 't1' },
      { task: 't1', call: 'pidfd_open', target: 't3', fd: 'f1' },
      { task: 't0', call: 'exit' },
      setns(['CLONE_NEWUSER'], 't1', 'f1'),
    ]);
    expect(obs.at(-1)).toEqual({ err: 'EINVAL' });
  });
});
