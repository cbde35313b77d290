// Once armed, a timer lives in host time: entering another namespace (setns, exec, a fork into the
// pending namespace) or making one (unshare) never moves the expiry of a timer that has not fired.
import { it } from 'vitest';
import { checkLaw } from './law.ts';

const MOVES = new Set(['setns', 'unshare', 'exec', 'fork', 'clone3']);

it('namespace changes leave every armed timer\'s host expiry where it was', () => {
  checkLaw(({ step, before, after, obs }) => {
    if (!('call' in step) || !MOVES.has(step.call) || obs.ret !== 0 || obs.completions) return undefined;
    const armed = Object.entries(before.timers).filter(([k, t]) => t.expires !== null && after.timers[k]?.expires !== undefined);
    if (armed.length === 0) return undefined;
    for (const [k, t] of armed) {
      const now = after.timers[k];
      if (now.expires !== null && now.expires !== t.expires && now.interval === '0') return `timer ${k} moved from ${t.expires} to ${now.expires}`;
    }
    return '';
  }, { minApplied: 150 });
});
