// Process corners the generated programs seldom reach, run on model and impl in lock-step (every
// observation and abstract state compared) with the decisive observation pinned from kernel sources
// (and measured on 6.18 with `timens run FILE --side kernel`): a thread group killed by exit_group, a
// zombie leader judged by the dumpability it left with, a vfork parent killed while it waits, and wait4
// given the tid of a thread.
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import type { Observation, Step } from '../../vocab/index.ts';


/** The observations, after model and impl agreed on every one and on every state. */
const agreed = (steps: Step[]): Observation[] => agreeing(steps, 'process-corners');

describe('processes', () => {
  it('exit_group by the leader ends its other threads, and the wait reports its code', () => {
    // do_group_exit -> zap_other_threads: every other thread gets SIGKILL.
    const obs = agreed([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'thread', child: 't2' },
      { task: 't1', call: 'exit_group', code: 5 },
      { task: 't2', call: 'readlink', target: 't2', link: 'time' },
      { task: 't0', call: 'wait', child: 't1' },
    ]);
    expect(obs[3]).toEqual({ err: 'ESRCH' });
    expect(obs[4]).toEqual({ ret: 1, status: 5 << 8 });
  });

  it('a zombie leader keeps the dumpability it exited with when a thread then ends the group', () => {
    // __ptrace_may_access: a task without an mm is judged by task->user_dumpable, set by exit_mm. The
    // leader exits first (dumpable), the thread's exit_group must not touch the zombie: with
    // CAP_SYS_PTRACE dropped on both sides, the reader passes the check and finds no time namespace.
    const obs = agreed([
      { task: 't0', call: 'drop_caps', caps: ['CAP_SYS_PTRACE'] },
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'thread', child: 't2' },
      { task: 't1', call: 'exit' },
      { task: 't2', call: 'exit_group', code: 1 },
      { task: 't0', call: 'readlink', target: 't1', link: 'time' },
      { task: 't0', call: 'wait', child: 't1' },
    ]);
    expect(obs[5]).toEqual({ err: 'ENOENT' });
    expect(obs[6]).toEqual({ ret: 1, status: 1 << 8 });
  });

  it('a vfork parent killed by its thread group stays dead when its child exits', () => {
    // wait_for_vfork_done is killable; the child's complete_vfork_done then finds no waiter.
    const obs = agreed([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'thread', child: 't2' },
      { task: 't1', call: 'vfork', child: 't3' },
      { task: 't2', call: 'exit_group', code: 3 },
      { task: 't3', call: 'exit' },
      { task: 't0', call: 'wait', child: 't1' },
    ]);
    expect(obs[5]).toEqual({ ret: 1, status: 3 << 8 });
  });

  it('wait4 given the tid of a child process thread finds no child', () => {
    // do_wait_pid looks the pid up as a thread group (PIDTYPE_TGID): a non-leader tid is none.
    const obs = agreed([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'thread', child: 't2' },
      { task: 't0', call: 'wait', child: 't2' },
      { task: 't0', call: 'wait', child: 't1' },
    ]);
    expect(obs[2]).toEqual({ err: 'ECHILD' });
    expect(obs[3]).toEqual({ ret: 0 });
  });
});
