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
