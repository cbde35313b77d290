// An absolute sleep to namespace time T never returns before the sleeper's clock reads T (T above the
// namespace's offset): not at once, and not in a step whose clocks are still short of T.
import { CLOCKS } from '../../vocab/index.ts';
import type { HostClocks } from '../../vocab/index.ts';
import { isCall, law } from './law.ts';
import { clockId, nanosOf } from './timebase.ts';

/** What the sleeper's clock reads: host plus its namespace's offset for that clock. */
function reads(clock: number, h: HostClocks, mono: bigint, boot: bigint): bigint | undefined {
  if (clock === CLOCKS.CLOCK_MONOTONIC) return h.monotonic + mono;
  if (clock === CLOCKS.CLOCK_BOOTTIME || clock === CLOCKS.CLOCK_BOOTTIME_ALARM) return h.boottime + boot;
  if (clock === CLOCKS.CLOCK_REALTIME || clock === CLOCKS.CLOCK_REALTIME_ALARM) return h.realtime;
  if (clock === CLOCKS.CLOCK_TAI) return h.tai;
  return undefined;
}

law('an absolute clock_nanosleep never completes before the sleeper\'s clock reaches its target', async (holds) => {
  const sleeps = new Map<string, { clock: number; target: bigint; mono: bigint; boot: bigint }>();
  await holds(({ step, obs, before, clocks }) => {
    let verdict: string | undefined;
    for (const c of obs.completions ?? []) {
      const sl = sleeps.get(c.task);
      sleeps.delete(c.task);
      if (!sl || c.call !== 'clock_nanosleep' || c.ret !== 0) continue;
      const now = reads(sl.clock, clocks, sl.mono, sl.boot);
      if (now === undefined) continue;
      verdict = now >= sl.target ? (verdict ?? '') : `completed at ${now}, before its target ${sl.target}`;
    }
    if (isCall(step, 'clock_nanosleep') && step.abs && before.tasks[step.task]?.timeNs) {
      const ns = before.timeNamespaces[String(before.tasks[step.task].timeNs)];
      const [mono, boot] = [BigInt(ns.monotonic), BigInt(ns.boottime)];
      const clock = clockId(step.clock);
      const target = nanosOf(step.value);
      const offset = clock === CLOCKS.CLOCK_MONOTONIC ? mono : clock === CLOCKS.CLOCK_BOOTTIME || clock === CLOCKS.CLOCK_BOOTTIME_ALARM ? boot : 0n;
      if (obs.pending && target > offset) sleeps.set(step.task, { clock, target, mono, boot });
      if (obs.ret === 0 && target > offset) {
        const now = reads(clock, clocks, mono, boot);
        if (now !== undefined && now < target) return `returned at once at ${now}, before its target ${target}`;
        verdict ??= '';
      }
    }
    return verdict;
  }, { minApplied: 200, fresh: () => sleeps.clear() });
});
