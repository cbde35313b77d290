// Writing a selftest down as a program: steps are appended one by one while the host clocks each step
// will run at are worked out alongside, from the same seed and with the same moves as harness/run.ts
// (a 1 µs tick before every step, then the stretch of an advance or suspend). That lets a scenario
// put "namespace now + 3600 s" into a step as plain data, the way the selftest computes it at run time.
import { canonicalJson } from '../../harness/canonical.ts';
import { hostFromSeed } from '../../harness/host.ts';
import { advanceHost } from '../../harness/run.ts';
import type { HostState } from '../../harness/host.ts';
import { isHostEvent, NSEC_PER_SEC } from '../../vocab/index.ts';
import type { ClockName, Completion, HostClocks, Observation, Program, Step, Timespec } from '../../vocab/index.ts';

/** What a selftest asserts about one step, as a predicate over its observation and host clocks. */
export interface Expectation {
  step: number;
  says: string;
  holds: (obs: Observation, host: HostClocks) => boolean;
}

export interface Scenario {
  name: string;
  /** The selftest file and function whose assertion this is. */
  source: string;
  program: Program;
  expect: Expectation[];
}

export type Check = Omit<Expectation, 'step'>;

export const SEC = NSEC_PER_SEC;
export const MS = 1_000_000n;
export const DAY = 86_400n * SEC;

export class Script {
  readonly steps: Step[] = [];
  readonly expect: Expectation[] = [];
  private readonly host: HostState;

  constructor(readonly seed: string) {
    this.host = hostFromSeed(seed);
  }

  /** Append a step with what the selftest asserts about it; return the host clocks it runs at. */
  step(step: Step, ...checks: Check[]): HostClocks {
    // A successful clock_settime(CLOCK_REALTIME) would move the host after the step; no selftest does one.
    if (!isHostEvent(step) && step.call === 'clock_settime') throw new Error('clock_settime is not scripted');
    if (isHostEvent(step) && step.host === 'settime') throw new Error('settime is not scripted');
    const clocks = advanceHost(this.host, step); // the very motion the runner gives the host
    const index = this.steps.length;
    this.steps.push(step);
    for (const c of checks) this.expect.push({ step: index, ...c });
    return clocks;
  }

  scenario(name: string, source: string): Scenario {
    return {
      name,
      source,
      program: { format: 1, kernel: 'current', env: { seed: this.seed }, steps: [...this.steps] },
      expect: [...this.expect],
    };
  }
}

// ---- Host values -------------------------------------------------------------------------------

/** The host clock a namespace clock is read from (reference §6.1). */
export function hostOf(clock: ClockName, h: HostClocks): bigint {
  switch (clock) {
    case 'CLOCK_REALTIME': return h.realtime;
    case 'CLOCK_MONOTONIC': return h.monotonic;
    case 'CLOCK_MONOTONIC_RAW': return h.monotonicRaw;
    case 'CLOCK_MONOTONIC_COARSE': return h.monotonicCoarse;
    case 'CLOCK_BOOTTIME': case 'CLOCK_BOOTTIME_ALARM': return h.boottime;
    default: throw new Error(`no host clock for ${clock} here`);
  }
}

export const timespec = (ns: bigint): Timespec => ({ sec: String(ns / SEC), nsec: Number(ns % SEC) });
export const fromTimespec = (t: Timespec): bigint => BigInt(t.sec) * SEC + BigInt(t.nsec);
const show = (ns: bigint) => `${ns / SEC}.${String(ns % SEC).padStart(9, '0')} s`;

// ---- Checks ------------------------------------------------------------------------------------

export const returns = (ret: number, what = 'succeeds'): Check => ({
  says: `${what} (returns ${ret})`,
  holds: (o) => o.ret === ret && o.err === undefined,
});

export const fails = (err: string): Check => ({ says: `fails with ${err}`, holds: (o) => o.err === err });

/** clock_gettime in a namespace whose offset for this clock is `offset`: host value + offset, exactly. */
export const reads = (clock: ClockName, offset: bigint, who = 'the caller'): Check => ({
  says: `${clock} read by ${who} is the host's ${offset === 0n ? 'own value' : `value + ${show(offset)}`}`,
  holds: (o, h) => o.ret === 0 && o.time === String(hostOf(clock, h) + offset),
});

export const atLeast = (clock: ClockName, bound: bigint): Check => ({
  says: `${clock} reads at least ${show(bound)} (the deadline has passed in the namespace)`,
  holds: (o) => o.ret === 0 && o.time !== undefined && BigInt(o.time) >= bound,
});

export const linkIs = (link: string): Check => ({ says: `links to ${link}`, holds: (o) => o.link === link });

export const linkIsNew = (old: string): Check => ({
  says: `links to a time namespace other than ${old}`,
  holds: (o) => /^time:\[\d+\]$/.test(o.link ?? '') && o.link !== old,
});

/** The call blocks and nothing else finished in the step. */
export const blocks: Check = {
  says: 'blocks (pending) and completes nothing',
  holds: (o) => o.pending === true && !o.completions?.length,
};

/** Time passed, and no blocked call finished during it. */
export const nothingCompletes = (why: string): Check => ({
  says: `completes nothing: ${why}`,
  holds: (o) => o.ret === 0 && !o.completions?.length,
});

/** Exactly this blocked call finished during the step; `c` may depend on the step's host clocks. */
export const completes = (c: Completion | ((h: HostClocks) => Completion), why: string): Check => ({
  says: `completes ${typeof c === 'function' ? 'one call' : canonicalJson(c)}: ${why}`,
  holds: (o, h) => canonicalJson(o.completions ?? []) === canonicalJson([typeof c === 'function' ? c(h) : c]),
});

/** A timer reports `left(h)` until its expiry and the given interval. */
export const timeLeft = (left: (h: HostClocks) => bigint, interval: bigint, why: string): Check => ({
  says: `reports the time left ${why}, interval ${show(interval)}`,
  holds: (o, h) => o.ret === 0 && o.itimer?.value === String(left(h)) && o.itimer?.interval === String(interval),
});

/** /proc/uptime: "%lu.%02lu": the shifted boottime, cut to centiseconds (reference §8). */
export const uptimeReads = (offset: bigint): Check => ({
  says: `/proc/uptime shows host boottime${offset === 0n ? '' : ` + ${show(offset)}`} in centiseconds`,
  holds: (o, h) => {
    const up = h.boottime + offset;
    const field = `${up / SEC}.${String((up % SEC) / 10_000_000n).padStart(2, '0')}`;
    return o.ret === o.text?.length && o.text?.split(' ')[0] === field;
  },
});

/** /proc/stat btime: the boot's wall-clock seconds less the boottime offset (reference §8). */
export const btimeReads = (offsetSec: bigint): Check => ({
  says: `btime is the host's boot time${offsetSec === 0n ? '' : ` - ${offsetSec} s`}`,
  holds: (o, h) => o.ret === 0 && o.value === String(h.bootRealtime / SEC - offsetSec),
});
