// Breaks that only inputs generation once never made can show: each wraps impl through its public
// interface and breaks one behaviour where a namespace's offsets are not zero.
import { isHostEvent } from '../vocab/index.ts';
import type { Backend, BackendFactory, HostClocks, Observation, Step, TaskHandle, Timespec } from '../vocab/index.ts';

const NSEC = 1_000_000_000n;
const MONOTONIC = 1;
const SHIFTED = new Set([1, 7, 9]); // CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM

function wrap(factory: BackendFactory, around: (inner: Backend, step: Step, host: HostClocks) => Observation): BackendFactory {
  return (env) => {
    const inner = factory(env);
    return { step: (s, h) => around(inner, s, h), abstract: () => inner.abstract() };
  };
}

function offsetOf(inner: Backend, task: TaskHandle, clock: number): bigint {
  const s = inner.abstract();
  const ns = s.timeNamespaces[String(s.tasks[task]?.timeNs)];
  if (!ns || !SHIFTED.has(clock)) return 0n;
  return BigInt(clock === MONOTONIC ? ns.monotonic : ns.boottime);
}

const nanos = (t: Timespec) => BigInt(t.sec) * NSEC + BigInt(t.nsec);
const valid = (t: Timespec) => t.nsec >= 0 && t.nsec < 1e9 && BigInt(t.sec) >= 0n;
const timespec = (ns: bigint): Timespec => ({ sec: String(ns / NSEC), nsec: Number(ns % NSEC) });

/** timens_ktime_to_host without its clamp: an absolute target before the namespace's offset is armed
 *  at the present (as for a target merely in the past) instead of at host 0, so a periodic timer counts
 *  its periods from now rather than from the start of host time. */
export const clampForgotten = (factory: BackendFactory): BackendFactory =>
  wrap(factory, (inner, step, host) => {
    if (isHostEvent(step) || (step.call !== 'timer_settime' && step.call !== 'timerfd_settime') || !step.abs || !valid(step.value)) {
      return inner.step(step, host);
    }
    const timer = inner.abstract().timers[step.call === 'timer_settime' ? step.timer : step.fd];
    const offset = timer ? offsetOf(inner, step.task, timer.clock) : 0n;
    const v = nanos(step.value);
    if (v === 0n || v >= offset) return inner.step(step, host);
    const now = timer!.clock === MONOTONIC ? host.monotonic : host.boottime;
    return inner.step({ ...step, value: timespec(now + offset) }, host);
  });

/** An absolute POSIX timer follows its task when setns moves it to other offsets: re-armed for the same
 *  namespace time, so its host expiry moves by the difference of the offsets. */
export const posixTimerFollowsSetns = (factory: BackendFactory): BackendFactory =>
  wrap(factory, (inner, step, host) => {
    if (isHostEvent(step) || step.call !== 'setns') return inner.step(step, host);
    const before = inner.abstract();
    const obs = inner.step(step, host);
    const after = inner.abstract();
    const t0 = before.tasks[step.task];
    const t1 = after.tasks[step.task];
    if (obs.ret !== 0 || !t0 || !t1 || t0.timeNs === t1.timeNs) return obs;
    const was = before.timeNamespaces[String(t0.timeNs)];
    const is = after.timeNamespaces[String(t1.timeNs)];
    for (const [h, t] of Object.entries(after.timers)) {
      if (t.kind !== 'posix' || t.owner !== t1.leader || t.expires === null || !SHIFTED.has(t.clock)) continue;
      const pick = (ns: typeof was) => BigInt(t.clock === MONOTONIC ? ns.monotonic : ns.boottime);
      const nsTime = BigInt(t.expires) + pick(was); // the namespace time it was armed for
      if (nsTime - pick(is) <= 0n || pick(was) === pick(is)) continue;
      inner.step({ task: step.task, call: 'timer_settime', timer: h, abs: true, value: timespec(nsTime), interval: timespec(BigInt(t.interval)) }, host);
    }
    return obs;
  });

/** The vDSO's timens page is skipped for the coarse clock: CLOCK_MONOTONIC_COARSE reads host time. */
export const coarseNotShifted = (factory: BackendFactory): BackendFactory =>
  wrap(factory, (inner, step, host) => {
    const obs = inner.step(step, host);
    if (!isHostEvent(step) && step.call === 'clock_gettime' && step.vdso && obs.time !== undefined &&
        (step.clock === 'CLOCK_MONOTONIC_COARSE' || step.clock === 6)) {
      return { ...obs, time: String(BigInt(obs.time) - offsetOf(inner, step.task, MONOTONIC)) };
    }
    return obs;
  });
