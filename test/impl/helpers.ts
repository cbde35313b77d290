// A small driver for impl scenario tests: one backend, host clocks moved 1 µs per step as the
// harness does, and the abstract state at hand.
import { CAP_NAMES, NOT_MADE, Resolver, unresolvedObservation, type CapName, type HostClocks, type Observation, type ProgramStep } from '../../vocab/index.ts';
import { createImpl, type ImplBackend } from '../../impl/index.ts';
import { clockTicksAt } from '../../harness/host.ts';

export const SEC = 1_000_000_000n;

export function startHost(): HostClocks {
  return {
    realtime: 1_700_000_000n * SEC, monotonic: 1000n * SEC, monotonicRaw: 1000n * SEC, boottime: 1100n * SEC,
    tai: 1_700_000_037n * SEC, realtimeCoarse: 1_700_000_000n * SEC, monotonicCoarse: 1000n * SEC,
    cputime: 5_000_000n, idle: 2000n * SEC, bootRealtime: (1_700_000_000n - 1100n) * SEC,
    clockTicks: clockTicksAt(1000n * SEC, 4_000_000n),
  };
}

export class Run {
  readonly b: ImplBackend;
  host: HostClocks = startHost();
  /** Observed values are taken from this run's own observations, step i being the i-th step made. */
  private readonly values = new Resolver([]);
  private made = 0;
  constructor(opts: { caps?: CapName[]; rtc?: boolean; maxTimeNamespaces?: number } = {}) {
    this.b = createImpl({
      caps: opts.caps ?? [...CAP_NAMES], uid: 0, rtc: opts.rtc ?? true,
      maxTimeNamespaces: opts.maxTimeNamespaces ?? 96365, tickNs: 4_000_000n,
    }) as ImplBackend;
  }
  step(s: ProgramStep): Observation {
    const us = 1000n;
    const h = this.host;
    this.host = {
      ...h, realtime: h.realtime + us, monotonic: h.monotonic + us, monotonicRaw: h.monotonicRaw + us,
      boottime: h.boottime + us, tai: h.tai + us, realtimeCoarse: h.realtimeCoarse + us,
      monotonicCoarse: h.monotonicCoarse + us, cputime: h.cputime + us, idle: h.idle + us, bootRealtime: h.bootRealtime,
    };
    const index = this.made++;
    this.values.label(s, index);
    const resolved = this.values.resolve(s, index);
    const o = resolved ? this.b.step(resolved, this.host) : unresolvedObservation(this.b.step(NOT_MADE, this.host));
    this.values.saw(index, o);
    return o;
  }
  /** Run steps, failing loudly on the first error unless it is expected. */
  ok(...steps: ProgramStep[]): void {
    for (const s of steps) {
      const o = this.step(s);
      if (o.err !== undefined || o.blocked) throw new Error(`${JSON.stringify(s)} -> ${JSON.stringify(o)}`);
    }
  }
  task(h: string) {
    return this.b.abstract().tasks[h];
  }
  ns(inum: number | null) {
    return this.b.abstract().timeNamespaces[String(inum)];
  }
}
