// A relative timer behaves identically in every namespace: armed with value v, it expires at host
// now + v on its base, whatever the offsets of the arming task's namespace.
import { it } from 'vitest';
import { checkLaw, isCall } from './law.ts';
import { baseNow, nanosOf } from './timebase.ts';

it('a relative timer or timerfd is armed at host now plus its value, in any namespace', () => {
  checkLaw(({ step, obs, after, clocks }) => {
    if (!(isCall(step, 'timer_settime') || isCall(step, 'timerfd_settime')) || step.abs || obs.ret !== 0) return undefined;
    const key = isCall(step, 'timer_settime') ? step.timer : step.fd;
    const t = after.timers[key];
    const v = nanosOf(step.value);
    if (!t || v === 0n) return undefined;
    const base = baseNow(t.clock, false, clocks);
    if (base === undefined || t.expires === null) return undefined; // CPU clocks; or already fired
    if (BigInt(t.interval) === 0n && BigInt(t.expires) !== base + v) return `armed at ${t.expires}, host now + value is ${base + v}`;
    return '';
  }, { minApplied: 100 });
});
