// Test doubles that wrap impl and break one behaviour each, through impl's public interface only (impl
// carries no fault switches). Each is a bug a real optimisation could plausibly introduce.
import { isHostEvent } from '../vocab/index.ts';
import type { Backend, BackendFactory, HostClocks, Observation, Step, TaskHandle } from '../vocab/index.ts';

/** A handle no generated program binds (generation counts up from f0). */
const HIDDEN_FD = 'f999999';

function wrap(factory: BackendFactory, around: (inner: Backend, step: Step, host: HostClocks) => Observation): BackendFactory {
  return (env) => {
    const inner = factory(env);
    return { step: (s, h) => around(inner, s, h), abstract: () => inner.abstract() };
  };
}

/** clone_time_ns forgets to copy: a namespace made by unshare starts with zero offsets. */
export const zeroOffsetsOnUnshare = (factory: BackendFactory): BackendFactory =>
  wrap(factory, (inner, step, host) => {
    const obs = inner.step(step, host);
    if (!isHostEvent(step) && step.call === 'unshare' && step.flags.includes('CLONE_NEWTIME') && obs.ret === 0) {
      const task = step.task;
      const opened = inner.step({ task, call: 'open', target: task, file: 'timens_offsets', mode: 'w', fd: HIDDEN_FD }, host);
      if (opened.ret === 0) {
        inner.step({ task, call: 'write', fd: HIDDEN_FD, text: 'monotonic 0 0\nboottime 0 0\n' }, host);
        inner.step({ task, call: 'close', fd: HIDDEN_FD }, host);
      }
    }
    return obs;
  });

/** exec forgets the switch to time_for_children: the task comes back in its old namespace. */
export const execStaysInOldNamespace = (factory: BackendFactory): BackendFactory =>
  wrap(factory, (inner, step, host) => {
    if (isHostEvent(step) || step.call !== 'exec' || step.fail) return inner.step(step, host);
    const t = inner.abstract().tasks[step.task];
    const pending = t && t.state === 'running' && t.timeNs !== t.timeNsForChildren;
    const task: TaskHandle = step.task;
    const held = pending && inner.step({ task, call: 'open', target: task, file: 'ns/time', mode: 'r', fd: HIDDEN_FD }, host).ret === 0;
    const obs = inner.step(step, host);
    if (held) {
      if (obs.ret === 0) inner.step({ task, call: 'setns', fd: HIDDEN_FD, nstype: ['CLONE_NEWTIME'] }, host);
      inner.step({ task, call: 'close', fd: HIDDEN_FD }, host);
    }
    return obs;
  });

/** The vDSO's timens branch forgets to add the monotonic offset. */
export const vdsoIgnoresMonotonicOffset = (factory: BackendFactory): BackendFactory =>
  wrap(factory, (inner, step, host) => {
    const obs = inner.step(step, host);
    if (!isHostEvent(step) && step.call === 'clock_gettime' && step.vdso && obs.ret === 0 &&
        (step.clock === 'CLOCK_MONOTONIC' || step.clock === 1) && obs.time !== undefined) {
      const s = inner.abstract();
      const ns = s.tasks[step.task]?.timeNs;
      const offset = ns === null || ns === undefined ? '0' : s.timeNamespaces[String(ns)]?.monotonic ?? '0';
      return { ...obs, time: String(BigInt(obs.time) - BigInt(offset)) };
    }
    return obs;
  });

// ---- Timers -------------------------------------------------------------------------------------------

const NSEC = 1_000_000_000n;
const SHIFTED = new Set([1, 7, 9]); // CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM
const idOf = (c: string | number): number =>
  typeof c === 'number' ? c : ({ CLOCK_MONOTONIC: 1, CLOCK_BOOTTIME: 7, CLOCK_BOOTTIME_ALARM: 9 } as Record<string, number>)[c] ?? -1;

function offsetFor(inner: Backend, task: TaskHandle, clock: number): bigint {
  const s = inner.abstract();
  const ns = s.timeNamespaces[String(s.tasks[task]?.timeNs)];
  if (!ns) return 0n;
  return BigInt(clock === 1 ? ns.monotonic : ns.boottime);
}

function shifted(v: { sec: string; nsec: number }, by: bigint): { sec: string; nsec: number } {
  if (v.nsec < 0 || v.nsec >= 1e9 || BigInt(v.sec) < 0n) return v; // invalid: let the kernel's answer stand
  const ns = BigInt(v.sec) * NSEC + BigInt(v.nsec) + by;
  if (ns <= 0n || (v.sec === '0' && v.nsec === 0)) return v;
  return { sec: String(ns / NSEC), nsec: Number(ns % NSEC) };
}

/** timens_ktime_to_host forgotten: absolute times are taken as host times, whatever the namespace. */
export const absoluteIgnoresNamespace = (factory: BackendFactory): BackendFactory =>
  wrap(factory, (inner, step, host) => {
    if (isHostEvent(step)) return inner.step(step, host);
    let clock = -1;
    if (step.call === 'clock_nanosleep' && step.abs) clock = idOf(step.clock);
    if (step.call === 'futex_wait' && !step.realtime) clock = 1;
    if ((step.call === 'timer_settime' || step.call === 'timerfd_settime') && step.abs) {
      clock = inner.abstract().timers[step.call === 'timer_settime' ? step.timer : step.fd]?.clock ?? -1;
    }
    if (!SHIFTED.has(clock) || !('value' in step) || typeof step.value !== 'object') return inner.step(step, host);
    // Adding the offset first makes impl's own conversion hand back the namespace value unchanged.
    return inner.step({ ...step, value: shifted(step.value, offsetFor(inner, step.task, clock)) } as Step, host);
  });

/** Armed timers follow their task into a new namespace (setns, exec), keeping their namespace time. */
export const timersFollowNamespace = (factory: BackendFactory): BackendFactory =>
  wrap(factory, (inner, step, host) => {
    if (isHostEvent(step) || (step.call !== 'setns' && step.call !== 'exec')) return inner.step(step, host);
    const before = inner.abstract();
    const obs = inner.step(step, host);
    const after = inner.abstract();
    const t0 = before.tasks[step.task];
    const t1 = after.tasks[step.task];
    if (obs.ret !== 0 || !t0 || !t1 || t0.timeNs === t1.timeNs) return obs;
    const was = before.timeNamespaces[String(t0.timeNs)];
    const held = after.processes[t1.leader]?.fds ?? {};
    for (const [h, t] of Object.entries(after.timers)) {
      const mine = t.kind === 'posix' ? t.owner === t1.leader : Object.values(held).some((fd) => fd.kind === 'timerfd' && fd.timer === h);
      if (!mine || t.expires === null || !SHIFTED.has(t.clock)) continue;
      const oldOffset = BigInt(t.clock === 1 ? was.monotonic : was.boottime);
      const nsTime = BigInt(t.expires) + oldOffset; // the namespace time it was armed for
      const iv = BigInt(t.interval);
      const value = { sec: String(nsTime / NSEC), nsec: Number(nsTime % NSEC) };
      const interval = { sec: String(iv / NSEC), nsec: Number(iv % NSEC) };
      const fd = Object.entries(held).find(([, e]) => e.kind === 'timerfd' && e.timer === h)?.[0];
      if (t.kind === 'posix') inner.step({ task: step.task, call: 'timer_settime', timer: h, abs: true, value, interval }, host);
      else if (fd) inner.step({ task: step.task, call: 'timerfd_settime', fd, abs: true, cancelOnSet: t.cancelOnSet ?? false, value, interval }, host);
    }
    return obs;
  });
