// Once armed, a timer lives in host time: entering another namespace (setns, exec, a fork into the
// pending namespace) or making one (unshare) never moves the expiry of a timer that has not fired.
// Checked at every such step; counted where the law can fail: a timer on a shifted clock is armed and
// the step moves a task of the timer's process into a namespace with another offset for that clock.
import { CLOCKS } from '../../vocab/index.ts';
import type { AbstractState } from '../../vocab/index.ts';
import { law, lawMinimum } from './law.ts';

const MOVES = new Set(['setns', 'unshare', 'exec', 'fork', 'clone3', 'clone']);
const SHIFTED_BY: Record<number, 'monotonic' | 'boottime'> = {
  [CLOCKS.CLOCK_MONOTONIC]: 'monotonic', [CLOCKS.CLOCK_BOOTTIME]: 'boottime', [CLOCKS.CLOCK_BOOTTIME_ALARM]: 'boottime',
};

/** The offset for `by` of the namespace a task is in, or undefined. */
function offsetOf(s: AbstractState, task: string, by: 'monotonic' | 'boottime'): string | undefined {
  const t = s.tasks[task];
  if (!t || t.timeNs === null) return undefined;
  return s.timeNamespaces[String(t.timeNs)]?.[by];
}

let posix = 0;

law('namespace changes leave every armed timer\'s host expiry where it was', async (holds) => {
  posix = 0;
  await holds(({ step, before, after, obs }) => {
    if (!('call' in step) || !MOVES.has(step.call) || obs.ret !== 0 || obs.completions) return undefined;
    const armed = Object.entries(before.timers).filter(([k, t]) => t.expires !== null && after.timers[k]?.expires !== undefined);
    let premise = false;
    for (const [k, t] of armed) {
      const now = after.timers[k];
      if (now.expires !== null && now.expires !== t.expires && now.interval === '0') return `timer ${k} moved from ${t.expires} to ${now.expires}`;
      const by = SHIFTED_BY[t.clock];
      if (by === undefined) continue;
      // The moving task belongs to the timer's process (POSIX), or the step is the task's own move.
      const mover = step.task;
      const process = before.tasks[mover]?.leader;
      if (t.kind === 'posix' && t.owner !== process) continue;
      const was = offsetOf(before, mover, by);
      const is = offsetOf(after, mover, by);
      if (was !== undefined && is !== undefined && was !== is) {
        premise = true;
        if (t.kind === 'posix') posix++;
      }
    }
    return premise ? '' : undefined;
  }, { minApplied: 200 });
  console.log(`law timers-stay-put: ${posix} moves of a POSIX timer's task into other offsets`);
  if (posix < lawMinimum(30)) throw new Error(`only ${posix} moves of a POSIX timer's task into other offsets (minimum ${lawMinimum(30)})`);
});
