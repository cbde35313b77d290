// futex(FUTEX_WAIT_BITSET) with an absolute timeout on a word nobody wakes (kernel/futex/syscalls.c
// futex_init_timeout, waitwake.c futex_wait): the wait ends at the timeout (ETIMEDOUT) or by a
// signal (EINTR). A MONOTONIC timeout is converted from the caller's time namespace; a
// FUTEX_CLOCK_REALTIME one is not, and lives on the realtime base, where a clock set reaches it.
import type { Observation, Timespec } from '../vocab/index.ts';
import { BASE_MONOTONIC, BASE_REALTIME, hrtimerInit, hrtimerStart } from './hrtimer.ts';
import type { Kernel, Task } from './sched.ts';
import { blockTask, sleeperFn } from './signal.ts';
import { timensKtimeToHost, timespecToKtime, timespecValid } from './timekeeping.ts';

export function sysFutexWait(k: Kernel, me: Task, realtime: boolean, value: Timespec): Observation {
  if (!timespecValid(value)) return { err: 'EINVAL' };
  let t = timespecToKtime(value);
  if (!realtime) t = timensKtimeToHost(k, me.nsproxy!.timeNs, 1, t);
  const base = realtime ? BASE_REALTIME : BASE_MONOTONIC;
  // futex_wait_queue(): a timeout already reached never sleeps.
  if (t <= k.hrtimers.now[base]) return { err: 'ETIMEDOUT' };
  const sleeper = hrtimerInit(sleeperFn(k, me), base);
  const obs = blockTask(me, 'futex_wait', realtime ? 0 : 1, sleeper, false, null);
  hrtimerStart(k.hrtimers, sleeper, t, base);
  return obs;
}
