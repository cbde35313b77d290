// The simulated host: its clocks are an input to both sides, owned and moved here only.
// A program's env.seed picks the starting machine (how long it has been up, how long it slept, the wall
// clock), so runs start from varied but reproducible hosts.
import seedrandom from 'seedrandom';
import type { HostClocks } from '../vocab/index.ts';

/** Every step takes this long on the host, so that no two steps run at the same instant. */
export const STEP_NS = 1000n;
/** TAI - UTC since 2017. */
const TAI_OFFSET_NS = 37_000_000_000n;
const SEC = 1_000_000_000n;

export interface HostState {
  monotonic: bigint;
  /** Time spent suspended: boottime - monotonic. */
  slept: bigint;
  /** realtime - boottime: the wall-clock time of boot. */
  bootRealtime: bigint;
  /** monotonic - monotonic_raw: what NTP slewing has added so far. */
  rawLag: bigint;
  idle: bigint;
  cputime: bigint;
  tickNs: bigint;
}

function randomBig(rng: seedrandom.PRNG, lo: bigint, hi: bigint): bigint {
  // Two 32-bit draws give 64 bits, enough for any range used here.
  const r = (BigInt(rng.int32() >>> 0) << 32n) | BigInt(rng.int32() >>> 0);
  return lo + (r % (hi - lo + 1n));
}

const drawnHosts = new Map<string, Readonly<HostState>>();

/** The host a seed describes. Uptime comes in three sizes so range rules meet both edges. A fresh
 *  state each call (the caller moves it); the draw of a seed is made once (seeding the generator costs
 *  more than a short program's steps) and kept for the next caller of that seed. */
export function hostFromSeed(seed: string, tickNs = 4_000_000n): HostState {
  const key = `${tickNs} ${seed}`;
  let drawn = drawnHosts.get(key);
  if (drawn === undefined) {
    if (drawnHosts.size >= 1024) drawnHosts.clear();
    drawnHosts.set(key, (drawn = drawHost(seed, tickNs)));
  }
  return { ...drawn };
}

function drawHost(seed: string, tickNs: bigint): HostState {
  const rng = seedrandom(seed);
  const size = Math.floor(rng() * 3);
  const uptime =
    size === 0 ? randomBig(rng, 1n * SEC, 120n * SEC)
    : size === 1 ? randomBig(rng, 120n * SEC, 86_400n * SEC)
    : randomBig(rng, 86_400n * SEC, 400n * 86_400n * SEC);
  const slept = rng() < 0.5 ? 0n : randomBig(rng, 0n, uptime / 4n);
  const monotonic = uptime - slept;
  const bootRealtime = randomBig(rng, 1_577_836_800n * SEC, 1_893_456_000n * SEC); // 2020..2030
  return {
    monotonic,
    slept,
    bootRealtime,
    rawLag: randomBig(rng, 0n, monotonic / 100_000n),
    idle: randomBig(rng, 0n, 2n * monotonic),
    cputime: 0n,
    tickNs,
  };
}

/** Time passes: every clock moves by ns; both CPUs are idle for it. */
export function hostAdvance(h: HostState, ns: bigint): void {
  h.monotonic += ns;
  h.idle += 2n * ns;
}

/** The machine sleeps: boottime and realtime move, monotonic and raw do not. */
export function hostSuspend(h: HostState, ns: bigint): void {
  h.slept += ns;
}

/** The administrator sets the wall clock (simulated only): boot's wall-clock time moves with it. */
export function hostSetRealtime(h: HostState, realtime: bigint): void {
  h.bootRealtime = realtime - (h.monotonic + h.slept);
}

/** One step's worth of time, spent by the stepping task. */
export function hostTick(h: HostState): void {
  h.monotonic += STEP_NS;
  h.cputime += STEP_NS;
}

/** USER_HZ: the unit of clock_t. */
const CLOCK_TICK_NS = 10_000_000n;

/** times()'s count at the given monotonic time: jiffies_64 from INITIAL_JIFFIES (2^32 less 300 s of
 *  jiffies) at boot, one per tick of monotonic, as jiffies_64_to_clock_t gives it. Linux starts counting
 *  jiffies a little after monotonic's zero (62 ticks on this machine's 6.18); the simulated host at once. */
export function clockTicksAt(monotonic: bigint, tickNs: bigint): bigint {
  const hz = 1_000_000_000n / tickNs;
  const jiffies = (1n << 32n) - 300n * hz + monotonic / tickNs;
  return (jiffies * tickNs) / CLOCK_TICK_NS;
}

export function hostClocks(h: HostState): HostClocks {
  const boottime = h.monotonic + h.slept;
  const realtime = h.bootRealtime + boottime;
  // The coarse clocks show the last tick: the same instant for both of them.
  const sinceTick = h.monotonic % h.tickNs;
  return {
    realtime,
    monotonic: h.monotonic,
    monotonicRaw: h.monotonic - h.rawLag,
    boottime,
    tai: realtime + TAI_OFFSET_NS,
    realtimeCoarse: realtime - sinceTick,
    monotonicCoarse: h.monotonic - sinceTick,
    cputime: h.cputime,
    idle: h.idle,
    bootRealtime: h.bootRealtime,
    clockTicks: clockTicksAt(h.monotonic, h.tickNs),
  };
}
