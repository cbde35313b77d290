// The legacy clone's exit signal, exit codes and wait options on the model, against the expected
// observations of test/kernel/programs.ts (the same table the kernel checks).
import { describe, expect, it } from 'vitest';
import { CLONE_EXIT_WAIT, CLONE_NEWTIME_BIT, DUMPABLE } from '../kernel/programs.ts';
import { run } from './run.ts';

describe('clone, exit and wait on the model', () => {
  it.each(CLONE_EXIT_WAIT.map(([step, o], i) => [i, JSON.stringify(step), step, o] as const))(
    'step %i %s', (i, _name, _step, expected) => {
      const r = run(CLONE_EXIT_WAIT.slice(0, i + 1).map(([s]) => s));
      expect(r.obs[i]).toEqual(expected);
    });

  it('a legacy clone cannot ask for CLONE_NEWTIME: 0x80 is an exit signal, the child enters time_for_children', () => {
    const r = run(CLONE_NEWTIME_BIT.steps);
    expect(r.obs[1]).toEqual({ ret: 0, handle: 't1' });
    expect(r.obs[4].link).toBe(r.obs[3].link);
    expect(r.obs[5].link).not.toBe(r.obs[3].link);
  });

  it('the exit status is the last thread\'s code when the leader exits first', () => {
    const r = run([
      { task: 't0', call: 'fork', child: 't1' }, { task: 't1', call: 'thread', child: 't2' },
      { task: 't1', call: 'exit', code: 1 }, { task: 't2', call: 'exit', code: 2 },
      { task: 't0', call: 'wait', child: 't1' },
    ]);
    expect(r.obs[4]).toEqual({ ret: 1, status: 2 << 8 });
  });

  it('a wait without options waits as with __WALL: it reaps a clone child whose exit signal is not SIGCHLD', () => {
    // vocab/program.ts: options default to ["__WALL"]; eligible_child then takes every child, whatever
    // its exit signal. With no options at all the same wait is ECHILD (the last step).
    const r = run([
      { task: 't0', call: 'clone', child: 't1', flags: [], exitSignal: 0 }, { task: 't1', call: 'exit', code: 6 },
      { task: 't0', call: 'wait', child: 't1' },
      { task: 't0', call: 'clone', child: 't2', flags: [], exitSignal: 0 }, { task: 't2', call: 'exit', code: 6 },
      { task: 't0', call: 'wait', child: 't2', options: [] },
    ]);
    expect(r.obs[2]).toEqual({ ret: 1, status: 6 << 8 });
    expect(r.obs[5]).toEqual({ err: 'ECHILD' });
  });

  it('exec by a non-leader thread of a clone child makes it a SIGCHLD child', () => {
    const r = run([
      { task: 't0', call: 'clone', child: 't1', flags: [], exitSignal: 0 }, { task: 't1', call: 'thread', child: 't2' },
      { task: 't2', call: 'exec' }, { task: 't2', call: 'exit', code: 4 },
      { task: 't0', call: 'wait', child: 't1', options: ['__WCLONE'] }, { task: 't0', call: 'wait', child: 't1', options: [] },
    ]);
    expect(r.obs.slice(4)).toEqual([{ err: 'ECHILD' }, { ret: 1, status: 4 << 8 }]);
  });
});

describe('prctl(PR_SET_DUMPABLE) on the model', () => {
  it.each(DUMPABLE.map(([step, o], i) => [i, JSON.stringify(step), o] as const))('step %i %s', (i, _name, expected) => {
    const r = run(DUMPABLE.slice(0, i + 1).map(([s]) => s));
    expect(r.obs[i]).toEqual(expected);
  });
});
