// Remaining times are host-based and namespace-free: timer_gettime and timerfd_gettime report the armed
// host expiry minus host now on the timer's base, never shifted by the reader's namespace.
import { isCall, law } from './law.ts';
import { baseNow } from './timebase.ts';

law('the time left that gettime reports is the host expiry minus host now', async (holds) => {
  const absArmed = new Map<string, boolean>();
  await holds(({ step, obs, before, clocks }) => {
    // A timerfd a clock set canceled is armed all the same before timerfd_setup answers ECANCELED.
    if ((isCall(step, 'timer_settime') || isCall(step, 'timerfd_settime')) && (obs.ret === 0 || obs.err === 'ECANCELED'))
      absArmed.set(isCall(step, 'timer_settime') ? step.timer : step.fd, step.abs);
    if (!(isCall(step, 'timer_gettime') || isCall(step, 'timerfd_gettime')) || obs.ret !== 0 || !obs.itimer) return undefined;
    const key = isCall(step, 'timer_gettime') ? step.timer : step.fd;
    const t = before.timers[key];
    if (!t || t.expires === null || !absArmed.has(key)) return undefined;
    const now = baseNow(t.clock, absArmed.get(key)!, clocks);
    if (now === undefined || BigInt(t.expires) <= now) return undefined; // due this very step: the kernel may forward it
    const left = BigInt(t.expires) - now;
    return BigInt(obs.itimer.value) === left ? '' : `reported ${obs.itimer.value} left, host expiry minus host now is ${left}`;
  }, { minApplied: 1_000, runs: 6000, fresh: () => absArmed.clear() });
});
