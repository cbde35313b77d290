// The children's CPU times (cutime, cstime) of times(2) and wait: wait_task_zombie() adds the reaped
// child's own group time and the times of the children it reaped to the waiter's signal_struct, and
// do_sys_times() reports them in clock ticks (nsec_to_clock_t: USER_HZ 100, 10 ms). The harness gives
// tasks no CPU time of their own, so no program makes these non-zero; the kernel functions take any.
import { describe, expect, it } from 'vitest';
import { sysTimes } from '../../impl/clocks.ts';
import { sysWait } from '../../impl/exit.ts';
import type { Kernel, Task, ThreadGroup } from '../../impl/sched.ts';
import { SIGCHLD, WAIT_OPTIONS } from '../../vocab/index.ts';

const MS = 1_000_000n;

describe('children\'s CPU times', () => {
  it('times() reports the group\'s cutime and cstime in ticks of 10 ms', () => {
    const k = { host: { clockTicks: 1234n, cputime: 0n } } as unknown as Kernel;
    const me = { group: { cutime: 30n * MS, cstime: 50n * MS } } as unknown as Task;
    expect(sysTimes(k, me)).toEqual({ ret: 1234n, tms: [0n, 0n, 3n, 5n] });
  });

  it('a wait adds the reaped child\'s cutime and cstime (those of the children it reaped) to the waiter\'s', () => {
    const k = { pidHash: new Map(), tasks: new Map() } as unknown as Kernel;
    const cred = { count: 2 };
    const parent = { cutime: 10n * MS, cstime: 20n * MS, children: new Set() } as unknown as ThreadGroup;
    const group = {
      live: 0, parent, threads: new Set(), children: new Set(), groupExitCode: null, cutime: 70n * MS, cstime: 110n * MS,
    } as unknown as ThreadGroup;
    const child = { handle: 't1', pid: 5, group, exitSignal: SIGCHLD, exitCode: 3 << 8, cred } as unknown as Task;
    group.leader = child;
    group.threads.add(child);
    parent.children.add(group);
    const me = { group: parent } as unknown as Task;
    expect(sysWait(k, me, child, WAIT_OPTIONS.__WALL)).toEqual({ status: 3 << 8 });
    expect([parent.cutime, parent.cstime]).toEqual([80n * MS, 130n * MS]);
  });
});
