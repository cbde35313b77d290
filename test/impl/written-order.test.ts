// The abstract state is written in canonical order (vocab AbstractWriter) even when the kernel's own
// order differs: tasks forked out of handle order (pid order is not handle order), fds and timers
// bound out of order, ucount kuids charged out of order, user namespace inums reused out of creation
// order. Each step's writing must equal the model's token for token (no fallback to built states), and
// the states must agree.
import { describe, expect, it } from 'vitest';
import { createImpl } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import { runDifferential, type CompareCounts } from '../../harness/run.ts';
import type { Step } from '../../vocab/index.ts';

function writtenAlike(steps: Step[]): void {
  const counts: CompareCounts = { written: 0, built: 0 };
  const r = runDifferential({ format: 1, kernel: 'current', env: { seed: 'written-order' }, steps }, createModel, createImpl, { counts });
  const d = r.divergence;
  expect(d, d && `${JSON.stringify(d.step)}: model ${JSON.stringify(d.left)}, impl ${JSON.stringify(d.right)} ${d.stateDiff ?? ''}`).toBeUndefined();
  expect(counts).toEqual({ written: steps.length, built: 0 });
}

describe('canonical order of the written state', () => {
  it('tasks forked out of handle order, and a thread of a higher-numbered process', () => {
    writtenAlike([
      { task: 't0', call: 'fork', child: 't5' },
      { task: 't0', call: 'fork', child: 't2' },
      { task: 't5', call: 'thread', child: 't1' },
    ]);
  });
  it('fds and timers bound out of order', () => {
    writtenAlike([
      { task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f7' },
      { task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f3' },
      { task: 't0', call: 'pidfd_open', target: 't0', fd: 'f1' },
      { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'none', timer: 'k9' },
      { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'none', timer: 'k2' },
    ]);
  });
  it('time namespaces charged to kuid 1000 before kuid 0', () => {
    writtenAlike([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'setuid', uid: 1000 },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'map_root' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    ]);
  });
  it('a freed user namespace inum taken again by a later namespace', () => {
    writtenAlike([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't0', call: 'fork', child: 't2' },
      { task: 't2', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'exit' },
      { task: 't0', call: 'wait', child: 't1' },
      { task: 't0', call: 'fork', child: 't3' },
      { task: 't3', call: 'unshare', flags: ['CLONE_NEWUSER'] },
    ]);
  });
});
