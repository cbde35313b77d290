// Running hand-written programs on the model: every step gets the same hand-made host clocks
// unless a test passes its own, and every step is followed by the model's invariants.
import { expect } from 'vitest';
import { CAP_NAMES, NOT_MADE, Resolver, unresolvedObservation, type CapName, type Environment, type HostClocks, type Observation, type ProgramStep, type Timespec } from '../../vocab/index.ts';
import { createModelBackend, type ModelBackend } from '../../model/index.ts';
import { clockTicksAt } from '../../harness/host.ts';

export const S = 1_000_000_000n;

/** Host clocks: uptime 1051.63 s, boot at realtime 1795911312 s (reference §8). */
export function hostClocks(over: Partial<HostClocks> = {}): HostClocks {
  return {
    realtime: 1795912363_630000000n, monotonic: 1000n * S, monotonicRaw: 1000n * S,
    boottime: 1051_630000000n, tai: 1795912400_000000000n, realtimeCoarse: 1795912363_000000000n,
    monotonicCoarse: 999n * S, cputime: 12345n, idle: 2009_220000000n, bootRealtime: 1795911312n * S,
    clockTicks: clockTicksAt(1000n * S, 4_000_000n),
    ...over,
  };
}

export function environment(over: Partial<Environment> = {}): Environment {
  return { caps: [...CAP_NAMES], uid: 0, rtc: true, maxTimeNamespaces: 96365, tickNs: 4_000_000n, ...over };
}

/** Every named capability except CAP_SYS_RESOURCE, as root has on the machine this was written on. */
export const HOST_ROOT_CAPS: CapName[] = CAP_NAMES.filter((c) => c !== 'CAP_SYS_RESOURCE');

export interface Run { model: ModelBackend; obs: Observation[]; do(step: ProgramStep, host?: HostClocks): Observation }

/** Observed values are taken from the run's own observations, step i being the i-th step made. */
export function run(steps: ProgramStep[], env: Environment = environment(), host: HostClocks = hostClocks()): Run {
  const model = createModelBackend(env);
  const values = new Resolver([]);
  const r: Run = {
    model,
    obs: [],
    do(step, h = host) {
      const index = r.obs.length;
      values.label(step, index);
      const resolved = values.resolve(step, index);
      const o = resolved ? model.step(resolved, h) : unresolvedObservation(model.step(NOT_MADE, h));
      values.saw(index, o);
      expect(model.checkInvariants(), JSON.stringify(step)).toEqual([]);
      r.obs.push(o);
      return o;
    },
  };
  for (const step of steps) r.do(step);
  return r;
}

/** The inode number a readlink observation names. */
export function inum(o: Observation): number {
  const m = /^time:\[(\d+)\]$/.exec(o.link ?? '');
  if (!m) throw new Error(`not a time link: ${JSON.stringify(o)}`);
  return Number(m[1]);
}

export const INIT_TIME = 4026531834;
export const INIT_USER = 4026531837;

export const MS = 1_000_000n;
/** The default host clocks (hostClocks()), which `after` moves on from. */
export const BASE = hostClocks();
/** The host after d of running time: every clock moves. */
export const after = (d: bigint): HostClocks => ({
  ...BASE, monotonic: BASE.monotonic + d, monotonicRaw: BASE.monotonicRaw + d, boottime: BASE.boottime + d,
  realtime: BASE.realtime + d, tai: BASE.tai + d,
});
export const ts = (n: bigint): Timespec => ({ sec: String(n / S), nsec: Number(n % S) });
export const ZERO = ts(0n);
