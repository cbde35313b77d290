// The executor's two walls, checked on a kernel: the guard refuses every step that could change the
// host's time or the initial namespaces (without making the syscall), and the seccomp filter kills a
// task that gets past the guard. Run on this machine's kernel (safety.test.ts) and inside every booted
// kernel (test/booted/safety.ts).
import { describe, expect, it } from 'vitest';
import { isRefused, probeSeccompWall, runOnKernel as runOn } from '../../kernel/driver.ts';
import type { KernelStep } from '../../kernel/driver.ts';
import { CPU_CLOCK_IDS, type Program, type Step } from '../../vocab/index.ts';
import { gate, kernelGateFor, rootStartGate } from './skip.ts';
import type { KernelTarget } from './targets.ts';

const SIGSYS = 31;

function program(steps: Step[]): Program {
  return { format: 1, kernel: 'current', env: { seed: 'safety' }, steps };
}

/**
 * realtime - monotonic moves only when someone sets the wall clock (NTP slewing is far below 5 ms). The
 * executor reads REALTIME, then MONOTONIC, then TAI (REALTIME plus whole leap seconds), so each reading
 * brackets that difference however long the executor was preempted between the reads:
 * [realtime - monotonic, tai - leap - monotonic]. The clock was not set if the two brackets meet.
 */
export function wallClockUnchanged(s: KernelStep): boolean {
  const SEC = 1_000_000_000n;
  const leap = ((s.before.tai - s.before.realtime) / SEC) * SEC;
  const bracket = (c: KernelStep['before']) => [c.realtime - c.monotonic, c.tai - leap - c.monotonic];
  const [b, a] = [bracket(s.before), bracket(s.after)];
  const lo = b[0] > a[0] ? b[0] : a[0];
  const hi = b[1] < a[1] ? b[1] : a[1];
  return lo <= hi + 5_000_000n;
}

/** Every check of the two walls, on the target's kernel. */
export function safetyChecks({ name, mode }: KernelTarget): void {
describe(`on ${name}`, () => {
const kernelGate = kernelGateFor(mode);
// A booted kernel's executor always runs as root.
const rootGate = mode.kernel ? kernelGate : rootStartGate;
const runOnKernel = (p: Program) => runOn(p, mode);

describe('the guard refuses', () => {
  gate(kernelGate);
  it('clock_settime(CLOCK_REALTIME), by root and by root of a child user namespace', async () => {
    const now = BigInt(Math.floor(Date.now() / 1000));
    const run = await runOnKernel(program([
      { task: 't0', call: 'clock_settime', clock: 'CLOCK_REALTIME', sec: String(now + 3600n), nsec: 0 },
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'clock_settime', clock: 'CLOCK_REALTIME', sec: String(now - 3600n), nsec: 0 },
      { task: 't1', call: 'clock_settime', clock: 0, sec: '0', nsec: 0 },
    ]));
    for (const i of [0, 3, 4]) {
      expect(isRefused(run.steps[i].obs), `step ${i}`).toBe(true);
      expect(wallClockUnchanged(run.steps[i])).toBe(true);
    }
  });

  it('clock_settime on ids that are not provably unsettable (auxiliary clocks 16.., fd clocks)', async () => {
    const run = await runOnKernel(program([
      { task: 't0', call: 'clock_settime', clock: 16, sec: '1', nsec: 0 },
      { task: 't0', call: 'clock_settime', clock: -5, sec: '1', nsec: 0 }, // (~0 << 3) | 3: a clock fd id
    ]));
    expect(run.steps.map((s) => isRefused(s.obs))).toEqual([true, true]);
  });

  it('clock_settime on every raw CPU clock id generation names, but -1 (CPUCLOCK_MAX: no clock at all)', async () => {
    // posix_cpu_clock_set answers EPERM for them, but the guard vouches for no negative id it cannot see
    // is refused by the kernel before anything is set.
    const ids = CPU_CLOCK_IDS.filter((c) => c !== -1);
    const run = await runOnKernel(program(ids.map((clock) => ({ task: 't0', call: 'clock_settime', clock, sec: '1', nsec: 0 }))));
    expect(run.steps.map((s) => isRefused(s.obs))).toEqual(ids.map(() => true));
  });

  it('a timens_offsets write whose target still has the initial time_for_children', async () => {
    const run = await runOnKernel(program([
      { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' },
      { task: 't0', call: 'write', fd: 'f1', text: 'monotonic 100 0' },
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'open', target: 't0', file: 'timens_offsets', mode: 'rw', fd: 'f2' },
      { task: 't1', call: 'write', fd: 'f2', text: 'boottime 5 0' },
      // After unshare the same fd targets t0's new tfc, which may be written.
      { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'write', fd: 'f1', text: 'monotonic 100 0' },
    ]));
    expect(isRefused(run.steps[1].obs)).toBe(true);
    expect(isRefused(run.steps[4].obs)).toBe(true);
    expect(run.steps[6].obs).toEqual({ ret: 15 });
  });

  it('sysctl_write in the initial user namespace, but not in a child one', async (ctx) => {
    gate(rootGate, ctx);
    const run = await runOnKernel(program([
      { task: 't0', call: 'sysctl_write', value: 5 },
      { task: 't0', call: 'sysctl_read' },
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'sysctl_write', value: 7 },
      { task: 't1', call: 'sysctl_read' },
    ]));
    expect(isRefused(run.steps[0].obs)).toBe(true);
    expect(run.steps[1].obs).toEqual({ ret: 0, value: String(run.env.maxTimeNamespaces) });
    // §12: a new user namespace starts at INT_MAX; its owner may set it (full capabilities there).
    expect(run.steps[4].obs).toEqual({ ret: 0 });
    expect(run.steps[5].obs).toEqual({ ret: 0, value: '7' });
  });
});

describe('the guard lets harmless calls through', () => {
  gate(kernelGate);
  it('clock_settime on clocks that can never be set: EINVAL', async () => {
    const run = await runOnKernel(program([
      { task: 't0', call: 'clock_settime', clock: 'CLOCK_MONOTONIC', sec: '1', nsec: 0 },
      { task: 't0', call: 'clock_settime', clock: 'CLOCK_BOOTTIME', sec: '1', nsec: 0 },
      { task: 't0', call: 'clock_settime', clock: 'CLOCK_TAI', sec: '1', nsec: 0 },
      { task: 't0', call: 'clock_settime', clock: 'CLOCK_PROCESS_CPUTIME_ID', sec: '1', nsec: 0 },
      { task: 't0', call: 'clock_settime', clock: 10, sec: '1', nsec: 0 },
    ]));
    // §6.3 and kernel/time/posix-timers.c: among the fixed ids only clock_realtime has a clock_set;
    // CLOCK_PROCESS_CPUTIME_ID is clock_process (posix-cpu-timers.c), which has none either, so EINVAL.
    // (Only pid-encoded CPU clock ids reach posix_cpu_clock_set and its EPERM.)
    expect(run.steps.map((s) => s.obs)).toEqual([
      { err: 'EINVAL' }, { err: 'EINVAL' }, { err: 'EINVAL' }, { err: 'EINVAL' }, { err: 'EINVAL' },
    ]);
    for (const s of run.steps) expect(wallClockUnchanged(s)).toBe(true);
  });

  it('map_root in the initial user namespace runs and fails with EPERM', async () => {
    const run = await runOnKernel(program([{ task: 't0', call: 'map_root' }]));
    expect(run.steps[0].obs).toEqual({ err: 'EPERM' });
  });
});

describe('the seccomp wall', () => {
  gate(kernelGate);
  for (const probe of ['settime', 'settimeofday', 'adjtimex', 'clock_adjtime'] as const) {
    it(`kills a task calling ${probe} directly with SIGSYS`, async () => {
      const outcome = await probeSeccompWall(probe, mode);
      expect(outcome.kind).toBe('died');
      expect(outcome.signal).toBe(SIGSYS);
    });
  }
});
});
}
