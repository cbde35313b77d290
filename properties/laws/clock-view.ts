// A task reads host time plus the offsets of its own time namespace (never its time_for_children), for
// every clock, through the vDSO and the syscall alike.
import { CLOCKS, CPUCLOCK } from '../../vocab/index.ts';
import type { AbstractTimeNs, HostClocks } from '../../vocab/index.ts';
import { isCall, law } from './law.ts';

/** The offset that shifts each clock id; the others have none. */
const SHIFTED_BY: Record<number, 'monotonic' | 'boottime'> = {
  [CLOCKS.CLOCK_MONOTONIC]: 'monotonic', [CLOCKS.CLOCK_MONOTONIC_RAW]: 'monotonic', [CLOCKS.CLOCK_MONOTONIC_COARSE]: 'monotonic',
  [CLOCKS.CLOCK_BOOTTIME]: 'boottime', [CLOCKS.CLOCK_BOOTTIME_ALARM]: 'boottime',
};

/** §6.1 of the reference, restated: the host value and the offset each clock id shows. */
function expected(clock: number, h: HostClocks, ns: AbstractTimeNs): bigint | undefined {
  const mono = BigInt(ns.monotonic);
  const boot = BigInt(ns.boottime);
  switch (clock) {
    case CLOCKS.CLOCK_REALTIME: case CLOCKS.CLOCK_REALTIME_ALARM: return h.realtime;
    case CLOCKS.CLOCK_MONOTONIC: return h.monotonic + mono;
    case CLOCKS.CLOCK_MONOTONIC_RAW: return h.monotonicRaw + mono;
    case CLOCKS.CLOCK_MONOTONIC_COARSE: return h.monotonicCoarse + mono;
    case CLOCKS.CLOCK_REALTIME_COARSE: return h.realtimeCoarse;
    case CLOCKS.CLOCK_BOOTTIME: case CLOCKS.CLOCK_BOOTTIME_ALARM: return h.boottime + boot;
    case CLOCKS.CLOCK_TAI: return h.tai;
    case CLOCKS.CLOCK_PROCESS_CPUTIME_ID: case CLOCKS.CLOCK_THREAD_CPUTIME_ID: return h.cputime;
    // A CPU clock of a pid (negative, no clock fd) is never shifted either; the harness's CPU time is all
    // system time, so VIRT (user time) reads 0 (docs/conventions.md, "Host time").
    default: return clock < 0 && (clock & CPUCLOCK.CLOCKFD_MASK) !== CPUCLOCK.CLOCKFD
      ? ((clock & CPUCLOCK.CLOCK_MASK) === CPUCLOCK.VIRT ? 0n : h.cputime) : undefined;
  }
}

law('clock_gettime returns host time plus the offsets of the caller\'s time namespace', async (holds) => {
  await holds(({ step, obs, before, clocks }) => {
    if (!isCall(step, 'clock_gettime') || obs.ret !== 0) return undefined;
    const id = typeof step.clock === 'number' ? step.clock : CLOCKS[step.clock];
    const task = before.tasks[step.task];
    const ns = before.timeNamespaces[String(task.timeNs)];
    const want = expected(id, clocks, ns);
    if (want === undefined) return `clock ${id} has no value, yet the read succeeded`;
    if (BigInt(obs.time!) !== want) return `clock ${id} read ${obs.time}, host plus offsets is ${want}`;
    // Checked everywhere; counted only where the law can fail: a namespace whose offset shifts this clock.
    const offset = SHIFTED_BY[id] === undefined ? 0n : BigInt(ns[SHIFTED_BY[id]]);
    return offset !== 0n ? '' : undefined;
  }, { minApplied: 700 });
});
