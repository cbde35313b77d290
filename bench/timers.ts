// Timer queue benchmark: the cost of one operation with 1,000, 10,000 and 100,000 timers armed, impl
// against the model, measured side by side in one run. The model scans every timer on every step by
// design; impl keeps ordered queues, so its cost should barely grow with the number armed.
//   npx tsx bench/timers.ts [largest=100000]
import { createImpl } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import { hostFromSeed } from '../harness/host.ts';
import { advanceHost, resolveEnv } from '../harness/run.ts';
import type { Backend, BackendFactory, Program, Step, Timespec } from '../vocab/index.ts';

const HOUR = 3_600_000_000_000n;
const ts = (ns: bigint): Timespec => ({ sec: String(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) });
const ZERO = ts(0n);

function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** A side with `n` POSIX timers armed an hour or more ahead, each at its own expiry. */
function armed(factory: BackendFactory, n: number): { side: Backend; run: (s: Step) => void } {
  const program: Program = { format: 1, kernel: 'current', env: { seed: 'timers' }, steps: [] };
  const side = factory(resolveEnv(program));
  const host = hostFromSeed('timers');
  const run = (s: Step) => side.step(s, advanceHost(host, s));
  for (let i = 0; i < n; i++) {
    run({ task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'none', timer: `k${i}` });
    run({ task: 't0', call: 'timer_settime', timer: `k${i}`, abs: false, value: ts(HOUR + BigInt(i) * 1000n), interval: ZERO });
  }
  return { side, run };
}

/** Per-operation cost, in microseconds, of re-arming, disarming and letting time pass with nothing due. */
function measure(factory: BackendFactory, n: number, ops: number): { arm: number; cancel: number; tick: number } {
  const { run } = armed(factory, n);
  const pick = (j: number) => `k${(j * 7919) % n}`;
  let t = now();
  for (let j = 0; j < ops; j++) run({ task: 't0', call: 'timer_settime', timer: pick(j), abs: false, value: ts(HOUR + BigInt(j)), interval: ZERO });
  const arm = (now() - t) / ops;
  t = now();
  for (let j = 0; j < ops; j++) {
    run({ task: 't0', call: 'timer_settime', timer: pick(j), abs: false, value: ZERO, interval: ZERO });
    run({ task: 't0', call: 'timer_settime', timer: pick(j), abs: false, value: ts(2n * HOUR + BigInt(j)), interval: ZERO });
  }
  const cancel = (now() - t) / (2 * ops);
  t = now();
  for (let j = 0; j < ops; j++) run({ host: 'advance', ns: '1000' });
  const tick = (now() - t) / ops;
  return { arm: arm * 1e6, cancel: cancel * 1e6, tick: tick * 1e6 };
}

type Costs = { arm: number; cancel: number; tick: number };
const best = (runs: Costs[]): Costs => ({
  arm: Math.min(...runs.map((r) => r.arm)), cancel: Math.min(...runs.map((r) => r.cancel)), tick: Math.min(...runs.map((r) => r.tick)),
});

const largest = Number(process.argv[2] ?? 100_000);
console.log('timer operations with n POSIX timers armed, µs per operation (arm: re-arm one; cancel: disarm or arm one; tick: 1 µs passes, nothing due)');
measure(createImpl, 1_000, 2_000); // warm-up: let the JIT settle before anything is timed
let impl1k: Costs | undefined;
for (const n of [1_000, 10_000, 100_000].filter((x) => x <= largest)) {
  const started = now();
  const m = measure(createModel, n, Math.max(50, Math.floor(2_000 / (n / 1_000))));
  const modelRun = now() - started;
  const i = best([measure(createImpl, n, 2_000), measure(createImpl, n, 2_000), measure(createImpl, n, 2_000)]);
  impl1k ??= i;
  const row = (k: keyof Costs) =>
    `${k}: model ${m[k].toFixed(2)}, impl ${i[k].toFixed(2)} (impl ${(m[k] / i[k]).toFixed(0)}x faster; impl ${(i[k] / impl1k![k]).toFixed(2)}x its cost at 1,000)`;
  console.log(`  n=${String(n).padStart(6)}  ${row('arm')}\n           ${row('cancel')}\n           ${row('tick')}   [model run ${modelRun.toFixed(1)} s]`);
}
