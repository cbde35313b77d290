// Namespace corners the generated programs seldom reach, run on model and impl in lock-step (every
// observation and abstract state compared) with the decisive observation pinned from kernel sources
// (and measured on 6.18 with `timens run FILE --side kernel`): setns into a user namespace by its nsfs
// file and by a pidfd, a pidfd of a reaped process, the ns files of a zombie.
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import { createImpl } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import { runProgram } from '../../harness/run.ts';
import type { Observation, Program, Step } from '../../vocab/index.ts';

const program = (steps: Step[]): Program => ({ format: 1, kernel: 'current', env: { seed: 'namespace-corners' }, steps });

/** The observations, after model and impl agreed on every one and on every state. */
const agreed = (steps: Step[]): Observation[] => agreeing(steps, 'namespace-corners');

const INIT_TIME = 'time:[4026531834]';

describe('namespaces', () => {
  it('setns into a child user namespace by its nsfs file succeeds for its owner', () => {
    // userns_install: CAP_SYS_ADMIN in the target, which the owner in the parent namespace has.
    const obs = agreed([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't0', call: 'open', target: 't1', file: 'ns/user', mode: 'r', fd: 'f1' },
      { task: 't0', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWUSER'] },
    ]);
    expect(obs[3]).toEqual({ ret: 0 });
  });

  it('setns by a pidfd with CLONE_NEWUSER alone enters the user namespace and leaves time as it is', () => {
    // validate_nsset installs only the namespaces the flags name.
    const obs = agreed([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't1', call: 'exec' },
      { task: 't0', call: 'pidfd_open', target: 't1', fd: 'f1' },
      { task: 't0', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWUSER'] },
      { task: 't0', call: 'readlink', target: 't0', link: 'time' },
      { task: 't1', call: 'readlink', target: 't1', link: 'time' },
    ]);
    expect(obs[5]).toEqual({ ret: 0 });
    expect(obs[6].link).toBe(INIT_TIME);
    expect(obs[7].link).not.toBe(INIT_TIME);
  });

  it('setns by the pidfd of a reaped process gives ESRCH', () => {
    // validate_nsset: get_pid_task finds no task.
    const obs = agreed([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't0', call: 'pidfd_open', target: 't1', fd: 'f1' },
      { task: 't1', call: 'exit' },
      { task: 't0', call: 'wait', child: 't1' },
      { task: 't0', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWTIME'] },
    ]);
    expect(obs[3]).toEqual({ ret: 1, status: 0 });
    expect(obs[4]).toEqual({ err: 'ESRCH' });
  });

  it("a zombie's time links cannot be opened or read, its user link can", () => {
    // timens_get finds no nsproxy once the task has exited; userns_get works on its creds.
    const obs = agreed([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'exit' },
      { task: 't0', call: 'open', target: 't1', file: 'ns/time', mode: 'r', fd: 'f1' },
      { task: 't0', call: 'open', target: 't1', file: 'ns/time_for_children', mode: 'r', fd: 'f2' },
      { task: 't0', call: 'readlink', target: 't1', link: 'time_for_children' },
      { task: 't0', call: 'open', target: 't1', file: 'ns/user', mode: 'r', fd: 'f3' },
    ]);
    expect(obs.slice(2, 5)).toEqual([{ err: 'ENOENT' }, { err: 'ENOENT' }, { err: 'ENOENT' }]);
    expect(obs[5]).toEqual({ ret: 0, handle: 'f3' });
  });

  it('NS_GET_USERNS without a handle to bind observes no handle', () => {
    const steps: Step[] = [
      { task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f1' },
      { task: 't0', call: 'ioctl', fd: 'f1', request: 'NS_GET_USERNS' },
    ];
    const [model, impl] = [createModel, createImpl].map((f) => runProgram(program(steps), f).map((e) => e.obs));
    expect(model[1]).toStrictEqual(impl[1]);
  });
});

it('user namespaces nest 33 levels below the initial one, no deeper', () => {
  // create_user_ns: ENOSPC when the parent's level is above 32 (measured on 6.18 alike). Each level is
  // mapped so that its creator has a mapping in the parent.
  const steps: Step[] = [];
  for (let i = 0; i < 33; i++) {
    steps.push({ task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] }, { task: 't0', call: 'map_root' });
  }
  steps.push({ task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] });
  const obs = agreed(steps);
  expect(obs.slice(0, -1).every((o) => o.ret === 0), JSON.stringify(obs)).toBe(true);
  expect(obs[obs.length - 1]).toEqual({ err: 'ENOSPC' });
});
