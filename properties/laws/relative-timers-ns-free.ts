// A relative timer behaves identically in every namespace: armed with value v, it expires at host
// now + v on its base (v as timespec64_to_ktime makes it; the sum as ktime_add_safe: at most KTIME_MAX), whatever the offsets of the arming task's
// namespace, periodic or not. Checked at every relative arming; counted where the law can fail: the
// arming task's namespace has a non-zero offset for the timer's clock.
import { CLOCKS, KTIME_MAX } from '../../vocab/index.ts';
import { isCall, law, lawMinimum } from './law.ts';
import { baseNow, ktimeOf } from './timebase.ts';

const SHIFTED_BY: Record<number, 'monotonic' | 'boottime'> = {
  [CLOCKS.CLOCK_MONOTONIC]: 'monotonic', [CLOCKS.CLOCK_BOOTTIME]: 'boottime', [CLOCKS.CLOCK_BOOTTIME_ALARM]: 'boottime',
};

let periodic = 0;

law('a relative timer or timerfd is armed at host now plus its value, in any namespace', async (holds) => {
  periodic = 0;
  await holds(({ step, obs, before, after, clocks }) => {
    if (!(isCall(step, 'timer_settime') || isCall(step, 'timerfd_settime')) || step.abs || obs.ret !== 0) return undefined;
    const key = isCall(step, 'timer_settime') ? step.timer : step.fd;
    const t = after.timers[key];
    const v = ktimeOf(step.value);
    if (!t || v === 0n) return undefined;
    const base = baseNow(t.clock, false, clocks);
    if (base === undefined || t.expires === null) return undefined; // CPU clocks; or already fired
    const sum = base + v;
    const want = sum > KTIME_MAX ? KTIME_MAX : sum;
    if (BigInt(t.expires) !== want) return `armed at ${t.expires}, host now + value is ${want}`;
    if (BigInt(t.interval) !== ktimeOf(step.interval)) return `interval ${t.interval}, armed with ${ktimeOf(step.interval)}`;
    const task = before.tasks[step.task];
    const ns = task?.timeNs === null || task === undefined ? undefined : before.timeNamespaces[String(task.timeNs)];
    const by = SHIFTED_BY[t.clock];
    if (ns === undefined || by === undefined || BigInt(ns[by]) === 0n) return undefined;
    if (BigInt(t.interval) !== 0n) periodic++;
    return '';
  }, { minApplied: 150, runs: 7000 });
  console.log(`law relative-timers-ns-free: ${periodic} periodic armings in shifted namespaces`);
  if (periodic < lawMinimum(30)) throw new Error(`only ${periodic} periodic armings in shifted namespaces (minimum ${lawMinimum(30)})`);
});
