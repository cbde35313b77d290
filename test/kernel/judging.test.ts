// The judge of kernel runs (kernel/compare.ts) on synthetic kernel observations: each rule at its
// boundaries, without a kernel.
import { describe, expect, it } from 'vitest';
import { CpuClocks, compareRun, judgeCall, judgeStep } from '../../kernel/compare.ts';
import type { CallRecord, Corners } from '../../kernel/compare.ts';
import type { KernelRun } from '../../kernel/driver.ts';
import { createModel } from '../../model/index.ts';
import { clockTicksAt } from '../../harness/host.ts';
import { CAP_NAMES, CLOCKS, CPUCLOCK, cpuClockId, PROC_TIME_INIT_INO, PROC_USER_INIT_INO } from '../../vocab/index.ts';
import type { HostClocks, Observation, Program, Step } from '../../vocab/index.ts';

const US = 1000n;
const MS = 1_000_000n;

describe('one step against its corners', () => {
  const gettime: Step = { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true };
  const at = (time: bigint): Observation => ({ ret: 0, time: String(time) });

  it('a clock reading lies between the early and the late chain, ends included', () => {
    const c: Corners = { eb: at(100n), la: at(200n) };
    expect(judgeStep(gettime, at(100n), c)).toBeNull();
    expect(judgeStep(gettime, at(200n), c)).toBeNull();
    expect(judgeStep(gettime, at(99n), c)).toBe('clock value outside the bracket');
    expect(judgeStep(gettime, at(201n), c)).toBe('clock value outside the bracket');
    expect(judgeStep(gettime, { err: 'EINVAL' }, c)).toBe('outcome differs');
  });

  it('a task that woke inside the bracket may read the clock anywhere in it; one that did not, at its ends', () => {
    const c: Corners = { eb: { blocked: true }, la: at(200n), ea: at(200n), lb: { blocked: true } };
    expect(judgeStep(gettime, at(150n), c, { spread: 0n, reach: 100n })).toBeNull();
    expect(judgeStep(gettime, at(100n), c, { spread: 0n, reach: 100n })).toBeNull();
    expect(judgeStep(gettime, at(99n), c, { spread: 0n, reach: 100n })).toBe('clock value outside the bracket');
    expect(judgeStep(gettime, at(201n), c, { spread: 0n, reach: 100n })).toBe('clock value outside the bracket');
  });

  it('an outcome boundary inside the bracket allows either side of it, and nothing else', () => {
    const write: Step = { task: 't0', call: 'write', fd: 'f1', text: 'monotonic 1 0' };
    const c: Corners = { eb: { ret: 13 }, la: { err: 'ERANGE' } };
    expect(judgeStep(write, { err: 'ERANGE' }, c)).toBeNull();
    expect(judgeStep(write, { ret: 13 }, c)).toBeNull();
    expect(judgeStep(write, { err: 'EACCES' }, c)).toBe('outcome matches no corner');
  });

  it('both fields of /proc/uptime lie between the chains', () => {
    const up: Step = { task: 't0', call: 'read_uptime' };
    const text = (t: string): Observation => ({ ret: t.length, text: t });
    const c: Corners = { eb: text('10.40 19.00\n'), la: text('10.60 21.00\n') };
    expect(judgeStep(up, text('10.50 20.00\n'), c)).toBeNull();
    expect(judgeStep(up, text('10.50 21.01\n'), c)).toBe('idle time outside the bracket');
    expect(judgeStep(up, text('10.61 20.00\n'), c)).toBe('uptime outside the bracket');
  });

  const gettimer: Step = { task: 't0', call: 'timer_gettime', timer: 'k0' };
  const itimer = (value: bigint, interval = 0n): Observation => ({ ret: 0, itimer: { value: String(value), interval: String(interval) } });

  it('a remaining time lies from the ea corner (least left) to the lb corner (most left), no further', () => {
    // Armed relative in a 40 µs bracket, read in a 30 µs one: 70 µs of uncertainty, all of it allowed.
    const c: Corners = { eb: itimer(1000n * US - 40n * US), la: itimer(1000n * US - 30n * US), ea: itimer(1000n * US - 70n * US), lb: itimer(1000n * US) };
    expect(judgeStep(gettimer, itimer(930n * US), c)).toBeNull();
    expect(judgeStep(gettimer, itimer(1000n * US), c)).toBeNull();
    expect(judgeStep(gettimer, itimer(930n * US - 1n), c)).toBe('remaining time outside the corners');
    expect(judgeStep(gettimer, itimer(1000n * US + 1n), c)).toBe('remaining time outside the corners');
    expect(judgeStep(gettimer, itimer(950n * US, 1n), c)).toBe('outcome differs'); // the interval is exact
  });

  it('a periodic remaining time wraps at its interval', () => {
    const I = 5n * MS;
    // ea has just passed an expiry (4.99 ms left), lb has not (20 µs left): the allowed range wraps.
    const c: Corners = { eb: itimer(I - 5n * US, I), la: itimer(40n * US, I), ea: itimer(I - 10n * US, I), lb: itimer(20n * US, I) };
    const ctx = { spread: 60n * US };
    expect(judgeStep(gettimer, itimer(I - 10n * US, I), c, ctx)).toBeNull();
    expect(judgeStep(gettimer, itimer(I, I), c, ctx)).toBeNull();
    expect(judgeStep(gettimer, itimer(1n, I), c, ctx)).toBeNull();
    expect(judgeStep(gettimer, itimer(20n * US, I), c, ctx)).toBeNull();
    expect(judgeStep(gettimer, itimer(20n * US + 1n, I), c, ctx)).toBe('remaining time outside the corners');
    expect(judgeStep(gettimer, itimer(I - 10n * US - 1n, I), c, ctx)).toBe('remaining time outside the corners');
    expect(judgeStep(gettimer, itimer(0n, I), c, ctx)).toBe('remaining time outside the corners');
    // Brackets together as wide as the interval: any value in (0, interval].
    expect(judgeStep(gettimer, itimer(I / 2n, I), c, { spread: I })).toBeNull();
    expect(judgeStep(gettimer, itimer(I + 1n, I), c, { spread: I })).toBe('remaining time outside the corners');
  });

  it('a timerfd forwarded and then read within one step may show 0 left, a POSIX timer never', () => {
    const I = 5n * MS;
    const tfd: Step = { task: 't0', call: 'timerfd_gettime', fd: 'f0' };
    // 30 µs to 50 µs left at the corners: 0 needs the step's own bracket to be at least 30 µs wide.
    const c: Corners = { eb: itimer(40n * US, I), la: itimer(45n * US, I), ea: itimer(30n * US, I), lb: itimer(50n * US, I) };
    expect(judgeStep(tfd, itimer(0n, I), c, { spread: 60n * US, width: 30n * US })).toBeNull();
    expect(judgeStep(tfd, itimer(0n, I), c, { spread: 60n * US, width: 29n * US })).toBe('remaining time outside the corners');
    expect(judgeStep(gettimer, itimer(0n, I), c, { spread: 60n * US, width: 30n * US })).toBe('remaining time outside the corners');
  });

  it('counts lie between the corners; off by one is caught', () => {
    const sigwait: Step = { task: 't0', call: 'sigwait' };
    const sig = (overrun: number): Observation => ({ ret: 34, handle: 'k0', overrun });
    const c: Corners = { eb: sig(3), la: sig(3), ea: sig(4), lb: sig(3) };
    expect(judgeStep(sigwait, sig(3), c)).toBeNull();
    expect(judgeStep(sigwait, sig(4), c)).toBeNull();
    expect(judgeStep(sigwait, sig(5), c)).toBe('overrun outside the corners');
    expect(judgeStep(sigwait, sig(2), c)).toBe('overrun outside the corners');
    // The signal came inside the bracket: counts go down to the boundary (0), not below, not above.
    const straddle: Corners = { eb: { err: 'EAGAIN' }, la: sig(0), ea: sig(0), lb: { err: 'EAGAIN' } };
    expect(judgeStep(sigwait, sig(0), straddle)).toBeNull();
    expect(judgeStep(sigwait, sig(1), straddle)).toBe('overrun outside the corners');

    const read: Step = { task: 't0', call: 'read', fd: 'f0' };
    const ticks = (n: number): Observation => ({ ret: 8, value: String(n) });
    const t: Corners = { eb: ticks(5), la: ticks(5), ea: ticks(5), lb: ticks(5) };
    expect(judgeStep(read, ticks(5), t)).toBeNull();
    expect(judgeStep(read, ticks(6), t)).toBe('expirations outside the corners');
    expect(judgeStep(read, ticks(4), t)).toBe('expirations outside the corners');

    const getoverrun: Step = { task: 't0', call: 'timer_getoverrun', timer: 'k0' };
    expect(judgeStep(getoverrun, { ret: 2 }, { eb: { ret: 1 }, la: { ret: 1 }, ea: { ret: 1 }, lb: { ret: 1 } })).toBe('overrun outside the corners');
  });

  it('a call the kernel blocked in must block in some corner', () => {
    const sleep: Step = { task: 't0', call: 'nanosleep', value: { sec: '0', nsec: 1000 } };
    expect(judgeStep(sleep, { pending: true }, { eb: { ret: 0 }, la: { ret: 0 }, ea: { ret: 0 }, lb: { pending: true } })).toBeNull();
    expect(judgeStep(sleep, { pending: true }, { eb: { ret: 0 }, la: { ret: 0 }, ea: { ret: 0 }, lb: { ret: 0 } }))
      .toBe('the kernel blocked in a call that returns at once in every corner');
  });
});

describe('CPU-time clocks against the brackets', () => {
  const P = CLOCKS.CLOCK_PROCESS_CPUTIME_ID;
  const T = CLOCKS.CLOCK_THREAD_CPUTIME_ID;
  it('a reading is >= 0, never below the last, and grows by at most the wall time between the brackets', () => {
    const cpu = new CpuClocks();
    expect(cpu.judge(T, 't0', 't0', -1n, 0n, 10n)).toBe('a CPU clock read negative');
    expect(cpu.judge(T, 't0', 't0', 500n, 1000n, 1100n)).toBeNull();
    // Next reading bracketed by [2000, 2100]: at most 2100 - 1000 more.
    expect(cpu.judge(T, 't0', 't0', 1600n, 2000n, 2100n)).toBeNull();
    expect(cpu.judge(T, 't0', 't0', 1599n, 3000n, 3100n)).toMatch(/went back by 1 ns/);
    const c2 = new CpuClocks();
    c2.judge(T, 't0', 't0', 500n, 1000n, 1100n);
    expect(c2.judge(T, 't0', 't0', 1601n, 2000n, 2100n)).toMatch(/grew by 1101 ns, more than 1100 ns/);
  });
  it('the process clock may grow by the wall time times the most threads the process had meanwhile', () => {
    const cpu = new CpuClocks();
    cpu.seen(new Map([['t0', 1]]));
    expect(cpu.judge(P, 't0', 't0', 0n, 0n, 100n)).toBeNull();
    cpu.seen(new Map([['t0', 3]]));
    cpu.seen(new Map([['t0', 2]]));
    expect(cpu.judge(P, 't1', 't0', 3000n, 900n, 1000n)).toBeNull(); // (1000 - 0) * 3
    cpu.seen(new Map([['t0', 2]]));
    expect(cpu.judge(P, 't0', 't0', 5201n, 1900n, 2000n)).toMatch(/grew by 2201 ns, more than 2200 ns/); // (2000 - 900) * 2
  });
  it('raw CPU clock ids: SCHED of pid 0 is the named clock, PROF and VIRT clocks of their own with 2 ticks of slack per thread', () => {
    const tick = 4_000_000n;
    const cpu = new CpuClocks(tick);
    cpu.seen(new Map([['t0', 2]]));
    const processSched = cpuClockId(0, false, CPUCLOCK.SCHED);
    const threadProf = cpuClockId(0, true, CPUCLOCK.PROF);
    const processVirt = cpuClockId(0, false, CPUCLOCK.VIRT);
    expect(cpu.judge(P, 't0', 't0', 5000n, 0n, 100n)).toBeNull();
    // make_process_cpuclock(0, CPUCLOCK_SCHED) is CLOCK_PROCESS_CPUTIME_ID's clock: one history.
    expect(cpu.judge(processSched, 't0', 't0', 4999n, 200n, 300n)).toMatch(/process t0 CPU clock went back by 1 ns/);
    expect(cpu.judge(threadProf, 't0', 't0', 0n, 0n, 100n)).toBeNull();
    // A thread's PROF clock: (1000 - 0) + 2 ticks.
    expect(cpu.judge(threadProf, 't0', 't0', 1000n + 2n * tick, 900n, 1000n)).toBeNull();
    expect(cpu.judge(threadProf, 't0', 't0', 1000n + 2n * tick + 2000n + 2n * tick + 1n, 1900n, 2000n)).toMatch(/thread t0 PROF CPU clock grew by/);
    // A process's VIRT clock: (100 + 2 ticks) per thread, 2 threads.
    expect(cpu.judge(processVirt, 't0', 't0', 0n, 0n, 50n)).toBeNull();
    expect(cpu.judge(processVirt, 't0', 't0', (100n + 2n * tick) * 2n, 90n, 100n)).toBeNull();
    expect(cpu.judge(processVirt, 't0', 't0', (100n + 2n * tick) * 2n - 1n, 190n, 200n)).toMatch(/process t0 VIRT CPU clock went back/);
    // Another pid's clock: only >= 0.
    const other = cpuClockId(7, false, CPUCLOCK.SCHED);
    expect(cpu.judge(other, 't0', 't0', 10n ** 15n, 0n, 1n)).toBeNull();
    expect(cpu.judge(other, 't0', 't0', 0n, 2n, 3n)).toBeNull();
    expect(cpu.judge(other, 't0', 't0', -1n, 2n, 3n)).toBe('a CPU clock read negative');
  });
});

describe('a blocking call as a whole', () => {
  const rec = (over: Partial<CallRecord>): CallRecord => ({
    task: 't0', call: 'nanosleep', start: 0, ends: {}, vanished: {}, probed: { ea: new Map(), lb: new Map() }, ...over,
  });
  const ok = { ret: 0 };

  it('an expiry inside step 5\'s bracket may be reported in step 5 or 6, not 4 or 7', () => {
    // Early chain ends it in 6 (not reached at before[5]), late in 5; ea at 5 reaches it, lb at 5 does not.
    const base = { ends: { early: { step: 6, out: ok }, late: { step: 5, out: ok } }, probed: { ea: new Map([[5, ok]]), lb: new Map() } };
    expect(judgeCall(rec({ ...base, ends: { ...base.ends, kernel: { step: 5, out: ok } } }), 6)).toBeNull();
    expect(judgeCall(rec({ ...base, ends: { ...base.ends, kernel: { step: 6, out: ok } } }), 6)).toBeNull();
    expect(judgeCall(rec({ ...base, ends: { ...base.ends, kernel: { step: 4, out: ok } } }), 6)).toMatch(/in step 4, the models not before step 5/);
    expect(judgeCall(rec({ ...base, ends: { ...base.ends, kernel: { step: 7, out: ok } } }), 7)).toMatch(/in step 7, the models by step 6/);
    // Not ended by the kernel: fine in step 5, a disagreement once step 6 is over.
    expect(judgeCall(rec(base), 5)).toBeNull();
    expect(judgeCall(rec(base), 6)).toMatch(/the models ended .* by step 6, the kernel not by step 6/);
  });

  it('a call whose task the early chain saw killed may never end on the kernel; before the kill it must', () => {
    // Late chain: the sleep ended in step 8, before the exec of step 8 killed its task; early chain: the
    // exec killed it first (vanished at 8). The kernel never reported an end.
    const base = { ends: { late: { step: 8, out: ok } }, probed: { ea: new Map(), lb: new Map() } };
    expect(judgeCall(rec({ ...base, vanished: { early: 8 } }), 9)).toBeNull();
    expect(judgeCall(rec({ ...base, vanished: { early: 8 } }), 12)).toBeNull();
    // Without the kill in the early chain, the window closes at step 9.
    expect(judgeCall(rec({ ...base, ends: { ...base.ends, early: { step: 8, out: ok } } }), 9)).toMatch(/by step 9, the kernel not by step 9/);
    // A kill the early chain sees later does not excuse a call the late chain ended long before.
    expect(judgeCall(rec({ ...base, vanished: { early: 11 } }), 10)).toMatch(/by step 9, the kernel not by step 10/);
  });

  it('a wake-up may come as late as the slowest step of the run took, and no later', () => {
    // Steps of 50 µs, 10 µs apart; the late chain ends the sleep in step 5. The kernel reports it in step
    // 8: it saw the task asleep at step 7's before at the earliest, 70 µs after step 5's after.
    const before = Array.from({ length: 12 }, (_, i) => BigInt(i) * 60n * US);
    const after = before.map((b) => b + 50n * US);
    const r = rec({ ends: { kernel: { step: 8, out: ok }, early: { step: 5, out: ok }, late: { step: 5, out: ok } }, probed: { ea: new Map(), lb: new Map() } });
    expect(judgeCall(r, 8, { before, after, widest: 70n * US })).toBeNull();
    expect(judgeCall(r, 8, { before, after, widest: 69n * US })).toMatch(/in step 8, the models by step 7/);
    expect(judgeCall(r, 8)).toMatch(/in step 8, the models by step 6/);
    // Not ended: the window closes once a step's before is further past the deadline than the widest step.
    const open = rec({ ends: { early: { step: 5, out: ok }, late: { step: 5, out: ok } }, probed: { ea: new Map(), lb: new Map() } });
    expect(judgeCall(open, 7, { before, after, widest: 70n * US })).toBeNull();
    expect(judgeCall(open, 8, { before, after, widest: 70n * US })).toMatch(/by step 8, the kernel not by step 8/);
  });

  it('a periodic timerfd read that woke late may take the expirations of the periods it overslept, no more', () => {
    // Steps of 50 µs every 60 µs; the read ends in step 5 on both chains with 1 expiration, of a timerfd
    // with a 20 µs interval. The kernel (loaded) reports it in step 7: by its after (7*60+50 = 470 µs),
    // (470 - 350) / 20 + 1 = 7 more periods can have passed since step 5's after (350 µs).
    const before = Array.from({ length: 12 }, (_, i) => BigInt(i) * 60n * US);
    const after = before.map((b) => b + 50n * US);
    const timing = { before, after, widest: 200n * US };
    const read = (value: string, period: bigint, step = 7) => judgeCall(rec({
      call: 'read', period,
      ends: { kernel: { step, out: { ret: 8, value } }, early: { step: 5, out: { ret: 8, value: '1' } }, late: { step: 5, out: { ret: 8, value: '1' } } },
      probed: { ea: new Map(), lb: new Map() },
    }), 7, timing);
    expect(read('8', 20n * US)).toBeNull();
    expect(read('9', 20n * US)).toMatch(/ended differently on the kernel/);
    // One-shot: no more expirations come, however late.
    expect(read('1', 0n)).toBeNull();
    expect(read('2', 0n)).toMatch(/ended differently on the kernel/);
    // Within the models' window the count is theirs.
    expect(read('1', 20n * US, 5)).toBeNull();
    expect(read('2', 20n * US, 5)).toMatch(/ended differently on the kernel/);
  });

  it('when lb already reaches the expiry, the kernel may not report it a step after the late chain', () => {
    const r = rec({ ends: { early: { step: 5, out: ok }, late: { step: 5, out: ok } }, probed: { ea: new Map(), lb: new Map([[5, ok]]) } });
    expect(judgeCall(r, 5)).toMatch(/by step 5, the kernel not by step 5/);
  });

  it('the kernel may not end a call the early chain cannot have ended yet', () => {
    const r = rec({ ends: { kernel: { step: 3, out: ok } } });
    expect(judgeCall(r, 3)).toMatch(/in step 3, the models not before step 4/);
    r.probed.ea.set(3, ok);
    expect(judgeCall(r, 3)).toBeNull();
  });

  it('an outcome must be one a chain or probe gives, with the time left within theirs', () => {
    const intr = (time: bigint) => ({ err: 'EINTR' as const, time: String(time) });
    const r = (k: ReturnType<typeof intr> | typeof ok) => rec({
      ends: { kernel: { step: 4, out: k }, early: { step: 4, out: intr(150n) }, late: { step: 4, out: intr(250n) } },
      probed: { ea: new Map([[4, intr(100n)]]), lb: new Map([[4, intr(300n)]]) },
    });
    expect(judgeCall(r(intr(100n)), 4)).toBeNull();
    expect(judgeCall(r(intr(300n)), 4)).toBeNull();
    expect(judgeCall(r(intr(99n)), 4)).toMatch(/ended differently/);
    expect(judgeCall(r(intr(301n)), 4)).toMatch(/ended differently/);
    expect(judgeCall(r(ok), 4)).toMatch(/ended differently/);
  });

  it('where some corners ended the sleep and others were interrupted, the time left goes down to 1 ns', () => {
    const intr = (time: bigint) => ({ err: 'EINTR' as const, time: String(time) });
    const r = (k: ReturnType<typeof intr>) => rec({
      ends: { kernel: { step: 4, out: k }, early: { step: 4, out: intr(1_100n * US) }, late: { step: 4, out: ok } },
      probed: { ea: new Map([[4, ok]]), lb: new Map([[4, intr(1_200n * US)]]) },
    });
    expect(judgeCall(r(intr(625n * US)), 4)).toBeNull();
    expect(judgeCall(r(intr(1n)), 4)).toBeNull();
    expect(judgeCall(r(intr(0n)), 4)).toMatch(/ended differently/);
    expect(judgeCall(r(intr(1_200n * US + 1n)), 4)).toMatch(/ended differently/);
  });
});

// ---- Whole runs, with made-up kernel observations --------------------------------------------------------

const ENV = { caps: CAP_NAMES, uid: 0, rtc: true, maxTimeNamespaces: 1000, tickNs: 4_000_000n };
const T0 = 1_000_000_000_000n;
function clocks(t: bigint): HostClocks {
  return {
    realtime: 1_700_000_000_000_000_000n + t, monotonic: t, monotonicRaw: t, boottime: t, tai: 1_700_000_037_000_000_000n + t,
    realtimeCoarse: 1_700_000_000_000_000_000n + t, monotonicCoarse: t, cputime: 0n, idle: 0n, bootRealtime: 1_700_000_000_000_000_000n,
    clockTicks: clockTicksAt(t, 4_000_000n),
  };
}
/** A kernel run: step i bracketed by [T0 + i ms, + 30 µs], an `advance` by its length. */
function kernelRun(program: Program, obs: Observation[]): KernelRun {
  let t = T0;
  const steps = program.steps.map((s, i) => {
    const before = t;
    const after = before + ('host' in s && s.host === 'advance' ? BigInt(s.ns) : 30n * US);
    t = after + 1n * MS;
    return { obs: obs[i], before: clocks(before), after: clocks(after) };
  });
  return { env: ENV, initialTimeNs: PROC_TIME_INIT_INO, initialUserNs: PROC_USER_INIT_INO, release: 'simulated', steps };
}
const prog = (steps: Step[]): Program => ({ format: 1, kernel: 'current', env: { seed: 'judging' }, steps });

describe('readers woken together (seed 11): any one of them takes the expiration', () => {
  const readers = (last: Step): Program => prog([
    { task: 't0', call: 'thread', child: 't1' },
    { task: 't1', call: 'timerfd_create', clock: 'CLOCK_BOOTTIME_ALARM', nonblock: false, fd: 'f0' },
    { task: 't1', call: 'read', fd: 'f0' },
    { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: false, cancelOnSet: true, value: { sec: '0', nsec: 8_000_000 }, interval: { sec: '0', nsec: 0 } },
    { task: 't0', call: 'read', fd: 'f0' },
    { host: 'advance', ns: '20000000' },
    last,
  ]);
  const thread: Step = { task: 't0', call: 'thread', child: 't2' };
  const head: Observation[] = [{ ret: 0, handle: 't1' }, { ret: 0, handle: 'f0' }, { pending: true }, { ret: 0, itimer: { value: '0', interval: '0' } }, { pending: true }];
  const took = (...tasks: string[]): Observation => ({ ret: 0, completions: tasks.map((task) => ({ task, call: 'read' as const, ret: 8, value: '1' })) });

  it('the second reader (what Linux did) and the first are both accepted', () => {
    const p = readers(thread);
    expect(compareRun(p, kernelRun(p, [...head, took('t0'), { ret: 0, handle: 't2' }]), createModel).disagreement).toBeUndefined();
    const p1 = readers({ task: 't1', call: 'thread', child: 't2' });
    expect(compareRun(p1, kernelRun(p1, [...head, took('t1'), { ret: 0, handle: 't2' }]), createModel).disagreement).toBeUndefined();
  });

  it('both readers taking it is rejected', () => {
    const p = readers(thread);
    const d = compareRun(p, kernelRun(p, [...head, took('t0', 't1'), { ret: 0, handle: 't2' }]), createModel).disagreement;
    expect(d?.index).toBe(5);
    expect(d?.reason).toMatch(/the kernel ended the read of t1 \(step 2\) in step 5, the models not before step 6/);
  });

  it('neither taking it is rejected once the window closes', () => {
    const p = readers({ task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: false });
    const run = kernelRun(p, [...head, { ret: 0 }, { blocked: true }]);
    const d = compareRun(p, run, createModel).disagreement;
    expect(d?.index).toBe(6);
    expect(d?.reason).toMatch(/the models ended the read of t1 \(step 2\) by step 6, the kernel not by step 6/);
  });
});

describe('calls at program end', () => {
  const sleep = (ms: number): Step => ({ task: 't0', call: 'nanosleep', value: { sec: '0', nsec: ms * 1_000_000 } });
  const gettime: Step = { task: 't1', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: false };

  it('a sleep the models end but the kernel never does is a disagreement', () => {
    const p = prog([{ task: 't0', call: 'thread', child: 't1' }, sleep(5), { host: 'advance', ns: '20000000' }, gettime]);
    const at = (t: bigint) => ({ ret: 0, time: String(t) });
    const run = kernelRun(p, [{ ret: 0, handle: 't1' }, { pending: true }, { ret: 0 }, at(0n)]);
    run.steps[3].obs = at(run.steps[3].before.monotonic);
    const d = compareRun(p, run, createModel).disagreement;
    expect(d?.index).toBe(3);
    expect(d?.reason).toMatch(/the models ended the nanosleep of t0 \(step 1\) by step 3, the kernel not by step 3/);
    // Reported where the models allow it, it agrees.
    run.steps[2].obs = { ret: 0, completions: [{ task: 't0', call: 'nanosleep', ret: 0 }] };
    expect(compareRun(p, run, createModel).disagreement).toBeUndefined();
  });

  it('a sleep the kernel ends although no model can is a disagreement, also in the last step', () => {
    const p = prog([sleep(500), { host: 'advance', ns: '1000000' }]);
    const run = kernelRun(p, [{ pending: true }, { ret: 0, completions: [{ task: 't0', call: 'nanosleep', ret: 0 }] }]);
    const d = compareRun(p, run, createModel).disagreement;
    expect(d?.index).toBe(1);
    expect(d?.reason).toMatch(/the kernel ended the nanosleep of t0 \(step 0\) in step 1, the models not before step 2/);
  });
});

describe('an expired timer whose callback has not run yet (Linux 6.1 under QEMU)', () => {
  // Step i runs at [T0 + i ms, + 30 µs]; the advance in step 2 takes `advance` ns.
  const posix = (notify: 'none' | 'signal', valueNs: number, intervalNs: number, advance: bigint): Program => prog([
    { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify, timer: 'k0' },
    { task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: { sec: '0', nsec: valueNs }, interval: { sec: '0', nsec: intervalNs } },
    { host: 'advance', ns: String(advance) },
    { task: 't0', call: 'timer_gettime', timer: 'k0' },
  ]);
  const tfd = (valueNs: number, intervalNs: number, advance: bigint, last: Step = { task: 't0', call: 'timerfd_gettime', fd: 'f0' }): Program => prog([
    { task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f0' },
    { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: false, cancelOnSet: false, value: { sec: '0', nsec: valueNs }, interval: { sec: '0', nsec: intervalNs } },
    { host: 'advance', ns: String(advance) },
    last,
  ]);
  const left = (value: bigint, interval: number): Observation => ({ ret: 0, itimer: { value: String(value), interval: String(interval) } });
  const judged = (p: Program, last: Observation) =>
    compareRun(p, kernelRun(p, [{ ret: 0, handle: 'timer' in p.steps[0] ? 'k0' : 'f0' }, left(0n, 0), { ret: 0 }, last]), createModel).disagreement;
  const I = 5_000_000;

  it('a signal timer past its expiry may read 1 ns left, one-shot or periodic', () => {
    // Armed at ~T0 + 1 ms for 1 ms; read at T0 + 7.03 ms (advance 4 ms): expired, the models show 0.
    expect(judged(posix('signal', 1_000_000, 0, 4n * MS), left(1n, 0))).toBeUndefined();
    expect(judged(posix('signal', 1_000_000, 0, 4n * MS), left(0n, 0))).toBeUndefined();
    expect(judged(posix('signal', 1_000_000, I, 4n * MS), left(1n, I))).toBeUndefined();
    // Any other small value is not the callback's lag.
    expect(judged(posix('signal', 1_000_000, 0, 4n * MS), left(2n, 0))?.reason).toBe('remaining time outside the corners');
  });

  it('never before its first expiry, nor for a SIGEV_NONE timer', () => {
    // Armed for 20 ms, read ~6 ms later: 14 ms left in every corner.
    const early = judged(posix('signal', 20_000_000, 0, 4n * MS), left(1n, 0));
    expect([early?.index, early?.reason]).toEqual([3, 'remaining time outside the corners']);
    const periodic = judged(posix('signal', 20_000_000, I, 4n * MS), left(1n, I));
    expect([periodic?.index, periodic?.reason]).toEqual([3, 'remaining time outside the corners']);
    // common_timer_get gives a SIGEV_NONE timer 0 once it expired, never 1 ns.
    const none = judged(posix('none', 1_000_000, 0, 4n * MS), left(1n, 0));
    expect([none?.index, none?.reason]).toEqual([3, 'remaining time outside the corners']);
  });

  it('the bound is the first expiry at `after`: 1 ns left then is the corner itself, 2 ns is not', () => {
    // The early chain arms at step 1's start, T0 + 1.03 ms; step 3 ends at T0 + 3.09 ms + advance.
    const advance = 1n * MS;
    const until = Number(2_060n * US + advance);
    for (const interval of [0, I]) {
      expect(judged(posix('signal', until, interval, advance), left(1n, interval))).toBeUndefined();
      expect(judged(posix('signal', until + 1, interval, advance), left(1n, interval))).toBeUndefined();
      expect(judged(posix('signal', until + 2, interval, advance), left(1n, interval))?.reason).toBe('remaining time outside the corners');
    }
  });

  it('a periodic timerfd past its expiry may read 0 left, not forwarded; before it, not', () => {
    expect(judged(tfd(1_000_000, I, 4n * MS), left(0n, I))).toBeUndefined();
    const early = judged(tfd(20_000_000, I, 4n * MS), left(0n, I));
    expect([early?.index, early?.reason]).toEqual([3, 'remaining time outside the corners']);
    // timerfd_settime's old value is read the same way.
    const settime: Step = { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: false, cancelOnSet: false, value: { sec: '1', nsec: 0 }, interval: { sec: '0', nsec: 0 } };
    expect(judged(tfd(1_000_000, I, 4n * MS, settime), left(0n, I))).toBeUndefined();
    expect(judged(tfd(20_000_000, I, 4n * MS, settime), left(0n, I))?.reason).toBe('remaining time outside the corners');
  });

  it('a periodic timerfd armed for a time already past reads 0 left, though its next period is further off than the time since', () => {
    // Armed at step 1 (T0 + 1 ms) for T0 (absolute, past) with a 20 ms period; read at T0 + 7.03 ms: the
    // models count one expiration at the arming and show the next period, 13 ms off.
    const past = (target: bigint): Program => prog([
      { task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f0' },
      { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: true, cancelOnSet: false, value: { sec: String(target / 1_000_000_000n), nsec: Number(target % 1_000_000_000n) }, interval: { sec: '0', nsec: 20_000_000 } },
      { host: 'advance', ns: String(4n * MS) },
      { task: 't0', call: 'timerfd_gettime', fd: 'f0' },
    ]);
    expect(judged(past(T0), left(0n, 20_000_000))).toBeUndefined();
    // Armed for 50 ms ahead, nothing has expired: 0 left is not the callback's lag.
    const ahead = judged(past(T0 + 50n * MS), left(0n, 20_000_000));
    expect([ahead?.index, ahead?.reason]).toEqual([3, 'remaining time outside the corners']);
  });

  it('a nonblocking timerfd read past its expiry may find nothing counted (EAGAIN); the expiration stays for the next', () => {
    const read: Step = { task: 't0', call: 'read', fd: 'f0' };
    const twice = (valueNs: number, nonblock = true): Program => {
      const p = tfd(valueNs, 0, 4n * MS, read);
      p.steps[0] = { ...(p.steps[0] as Extract<Step, { call: 'timerfd_create' }>), nonblock };
      return { ...p, steps: [...p.steps, { host: 'advance', ns: String(MS) }, read] };
    };
    const run = (p: Program, first: Observation, second: Observation) =>
      compareRun(p, kernelRun(p, [{ ret: 0, handle: 'f0' }, left(0n, 0), { ret: 0 }, first, { ret: 0 }, second]), createModel).disagreement;
    const one: Observation = { ret: 8, value: '1' };
    const eagain: Observation = { err: 'EAGAIN' };
    // Armed for 1 ms, read ~6 ms later: the models count one expiration; the callback had not run yet.
    expect(run(twice(1_000_000), one, eagain)).toBeUndefined();
    expect(run(twice(1_000_000), eagain, one)).toBeUndefined();
    // The expiration stays: read once, it is not there again.
    const d = run(twice(1_000_000), one, one);
    expect([d?.index, d?.reason]).toEqual([5, 'outcome differs']);
    // Not before its expiry (armed for 20 ms, nothing to count yet either way), and only on a
    // nonblocking fd: a blocking read never answers EAGAIN.
    const early = run(twice(20_000_000), one, eagain);
    expect([early?.index, early?.reason]).toEqual([3, 'outcome differs']);
    const blocking = compareRun(twice(1_000_000, false), kernelRun(twice(1_000_000, false),
      [{ ret: 0, handle: 'f0' }, left(0n, 0), { ret: 0 }, eagain, { ret: 0 }, one]), createModel).disagreement;
    expect([blocking?.index, blocking?.reason]).toEqual([3, 'outcome differs']);
  });

  it('a setting disarmed since is not taken for the current one', () => {
    const p = prog([
      { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k0' },
      { task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: { sec: '0', nsec: 1_000_000 }, interval: { sec: '0', nsec: 0 } },
      { task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: { sec: '0', nsec: 0 }, interval: { sec: '0', nsec: 0 } },
      { host: 'advance', ns: String(4n * MS) },
      { task: 't0', call: 'timer_gettime', timer: 'k0' },
    ]);
    const d = compareRun(p, kernelRun(p, [{ ret: 0, handle: 'k0' }, left(0n, 0), left(1n, 0), { ret: 0 }, left(1n, 0)]), createModel).disagreement;
    expect([d?.index, d?.reason]).toEqual([4, 'remaining time outside the corners']);
  });
});

describe('namespace numbers: identity is judged, reuse of a freed number is not', () => {
  // A (made by the first unshare) is entered by exec, left by the second exec and freed there; C is made
  // after that. The model gives C A's number (the lowest free); Linux does too when nothing else on the
  // machine took it meanwhile, and gives another number when a program running beside it did.
  const p = prog([
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'readlink', target: 't0', link: 'time_for_children' },
    { task: 't0', call: 'exec' },
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'readlink', target: 't0', link: 'time_for_children' },
    { task: 't0', call: 'exec' },
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'readlink', target: 't0', link: 'time_for_children' },
    { task: 't0', call: 'readlink', target: 't0', link: 'time' },
  ]);
  const link = (n: number): Observation => ({ ret: `time:[${n}]`.length, link: `time:[${n}]` });
  const ok: Observation = { ret: 0 };
  const [A, B, C] = [4026532177, 4026532178, 4026532179];
  const judged = (c: number, b = B) => compareRun(p, kernelRun(p, [ok, link(A), ok, ok, link(b), ok, ok, link(c), link(b)]), createModel).disagreement;

  it('a new namespace may take the number of one freed before, or another', () => {
    expect(judged(A)).toBeUndefined();
    expect(judged(C)).toBeUndefined();
  });

  it('but not the number of one still live, nor may a live one change its number', () => {
    const d = judged(B);
    expect([d?.index, d?.reason]).toEqual([7, 'outcome differs']);
    // t0 is in B: its time link must show B's number again.
    const moved = compareRun(p, kernelRun(p, [ok, link(A), ok, ok, link(B), ok, ok, link(C), link(C + 1)]), createModel).disagreement;
    expect([moved?.index, moved?.reason]).toEqual([8, 'outcome differs']);
  });
});

// ---- Wide brackets under load: the early chain delayed, completions in refused steps --------------------

/** A kernel run with explicit brackets, in µs from T0. */
function bracketed(program: Program, rows: [Observation, number, number][]): KernelRun {
  const steps = program.steps.map((_, i) => ({
    obs: rows[i][0], before: clocks(T0 + BigInt(rows[i][1]) * US), after: clocks(T0 + BigInt(rows[i][2]) * US),
  }));
  return { env: ENV, initialTimeNs: PROC_TIME_INIT_INO, initialUserNs: PROC_USER_INIT_INO, release: 'simulated', steps };
}

describe('a sleep armed inside a wide bracket', () => {
  // A 5 ms sleep whose arming step took 10 ms (the task was slow to be seen asleep): it ends somewhere
  // in [5, 15] ms. The kernel then saw it asleep at 11 ms, and ended it in a step at 12-13 ms.
  const sleep: Step = { task: 't0', call: 'nanosleep', value: { sec: '0', nsec: 5_000_000 } };
  const gettime: Step = { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true };
  const p = prog([sleep, { host: 'advance', ns: '1000000' }, gettime, gettime, gettime]);
  const done: Observation = { ret: 0, completions: [{ task: 't0', call: 'nanosleep', ret: 0 }] };

  it('may end after the early chain\'s end, once the kernel showed it still asleep', () => {
    const run = bracketed(p, [[{ pending: true }, 0, 10_000], [{ ret: 0 }, 10_010, 11_000], [{ blocked: true }, 11_010, 11_050],
      [{ ...done, completions: undefined, ret: 0, time: String(T0 + 12_010n * US) }, 12_010, 12_050], [{ ret: 0, time: String(T0 + 13_010n * US) }, 13_010, 13_050]]);
    // The end is reported in step 3, with the task's own read of the clock: the kernel ran step 3.
    run.steps[3].obs = { ret: 0, time: String(T0 + 12_020n * US), completions: [{ task: 't0', call: 'nanosleep', ret: 0 }] };
    expect(compareRun(p, run, createModel).disagreement).toBeUndefined();
  });

  it('may not end before the kernel last saw it asleep could allow', () => {
    // Seen asleep at 11 ms, then ended and the task ran its step with the clock at 10.5 ms: impossible.
    const run = bracketed(p, [[{ pending: true }, 0, 10_000], [{ ret: 0 }, 10_010, 10_020], [{ blocked: true }, 10_030, 10_040],
      [{ ret: 0, time: String(T0 + 3_000n * US), completions: [{ task: 't0', call: 'nanosleep', ret: 0 }] }, 10_050, 10_060],
      [{ ret: 0, time: String(T0 + 10_070n * US) }, 10_070, 10_080]]);
    const d = compareRun(p, run, createModel).disagreement;
    expect(d?.index).toBe(3);
    expect(d?.reason).toBe('clock value outside the bracket');
  });
});

describe('a call made by a task that woke inside the step (kernel campaign seed 6, under load)', () => {
  // t0 sleeps 5 ms from T0; the next step, [1 ms, after], finds it asleep at `before` and the kernel makes
  // t0's 3 ms sleep once it woke: that sleep ends by `after` only if after >= 5 ms + 3 ms.
  const sleep = (ms: number): Step => ({ task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: false, value: { sec: '0', nsec: ms * 1_000_000 } });
  const p = prog([sleep(5), sleep(3), { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true }]);
  const ended: Observation = { ret: 0, completions: [{ task: 't0', call: 'clock_nanosleep', ret: 0 }] };
  const run = (after: number) => bracketed(p, [[{ pending: true }, 0, 30], [ended, 1_000, after], [{ ret: 0, time: String(T0 + BigInt(after + 100) * US) }, after + 100, after + 130]]);

  it('the call is made when the task woke, not at `after`: it may end within the step', () => {
    expect(compareRun(p, run(8_000), createModel).disagreement).toBeUndefined();
    expect(compareRun(p, run(12_000), createModel).disagreement).toBeUndefined();
  });

  it('but not before the task woke and slept its time', () => {
    const d = compareRun(p, run(7_999), createModel).disagreement;
    expect(d?.index).toBe(1);
    expect(d?.reason).toMatch(/the kernel ended the clock_nanosleep of t0 \(step 1\) in step 1, the models not before step 2/);
  });
});

describe('a task whose wake-up came after the executor found it blocked (kernel campaign seed 9, under load)', () => {
  // t1 sleeps 5 ms from 0.1 ms; step 3 at [5.5 ms, 5.53 ms] is t1's: both chains end the sleep there and
  // make t1's drop_caps, but Linux woke t1 only after the executor found it still blocked.
  const p = prog([
    { task: 't0', call: 'thread', child: 't1' },
    { task: 't1', call: 'nanosleep', value: { sec: '0', nsec: 5_000_000 } },
    { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
    { task: 't1', call: 'drop_caps', caps: ['CAP_SYS_ADMIN'] },
    { task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  ]);
  const end = [{ task: 't1', call: 'nanosleep' as const, ret: 0 }];
  const rows = (third: Observation, fourth: Observation): [Observation, number, number][] => [
    [{ ret: 0, handle: 't1' }, 0, 30], [{ pending: true }, 100, 130], [{ ret: 0, time: String(T0 + 1_000n * US) }, 1_000, 1_030],
    [third, 5_500, 5_530], [fourth, 6_000, 6_030],
  ];

  it('the step is taken as not made, in the chains too: t1 keeps CAP_SYS_ADMIN', () => {
    expect(compareRun(p, bracketed(p, rows({ blocked: true, completions: end }, { ret: 0 })), createModel).disagreement).toBeUndefined();
    // Had the chains made the drop_caps, the unshare would fail with EPERM.
    const d = compareRun(p, bracketed(p, rows({ blocked: true, completions: end }, { err: 'EPERM' })), createModel).disagreement;
    expect([d?.index, d?.reason]).toEqual([4, 'outcome differs']);
  });

  it('but the wake-up itself must come in that step: blocked without it is a disagreement', () => {
    const d = compareRun(p, bracketed(p, rows({ blocked: true }, { blocked: true })), createModel).disagreement;
    expect([d?.index, d?.reason]).toEqual([3, 'outcome differs']);
  });
});

describe('a step the executor refused', () => {
  const sleep: Step = { task: 't1', call: 'nanosleep', value: { sec: '0', nsec: 2_000_000 } };
  const p = prog([
    { task: 't0', call: 'thread', child: 't1' }, sleep,
    { task: 't0', call: 'sysctl_write', value: 5 },
    { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
  ]);
  const end = [{ task: 't1', call: 'nanosleep' as const, ret: 0 }];
  const rows = (refusedEnds: boolean): [Observation, number, number][] => [
    [{ ret: 0, handle: 't1' }, 0, 30], [{ pending: true }, 1_000, 1_030],
    [{ refused: 'sysctl write in the initial user namespace', ...(refusedEnds ? { completions: end } : {}) } as unknown as Observation, 4_000, 4_030],
    [{ ret: 0, time: String(T0 + 5_010n * US) }, 5_000, 5_030],
  ];

  it('still reports the calls that ended while it was taken', () => {
    expect(compareRun(p, bracketed(p, rows(true)), createModel).disagreement).toBeUndefined();
  });

  it('and without that report the sleep never ended on the kernel: a disagreement', () => {
    const d = compareRun(p, bracketed(p, rows(false)), createModel).disagreement;
    // The expiry fell inside the refused step; with its 30 µs of load the end may be reported a step later.
    expect(d?.reason).toMatch(/the models ended the nanosleep of t1 \(step 1\) by step 3, the kernel not by step 3/);
  });
});

describe('start times and times(): within the brackets, struct tms by the CPU rules', () => {
  const p = prog([
    { task: 't0', call: 'fork', child: 't1' },
    { host: 'advance', ns: '20000000' },
    { task: 't1', call: 'read_starttime', target: 't0' },
    { task: 't1', call: 'read_starttime', target: 't1' },
    { task: 't1', call: 'times' },
    { task: 't1', call: 'times' },
  ]);
  const tick = 10_000_000n;
  const tms = (stime: number, cstime = 0) => ({ utime: 0, stime, cutime: 0, cstime });
  /** t0 made in [T0 - 5 ms, T0 - 5 ms + 30 µs]; its start, t1's, and two times() readings as given. */
  function judged(t0Start: bigint | 'late', t1Start: bigint | 'early', ret: (r: KernelRun, i: number) => bigint, second = tms(1, 1)) {
    const born = { before: clocks(T0 - 5n * MS), after: clocks(T0 - 5n * MS + 30n * US) };
    const run: KernelRun = { ...kernelRun(p, []), born };
    const at = (i: number, end: 'before' | 'after') => run.steps[i][end];
    const v0 = t0Start === 'late' ? born.after.boottime / tick : t0Start;
    const v1 = t1Start === 'early' ? at(0, 'before').boottime / tick : t1Start;
    const obs: Observation[] = [{ ret: 0, handle: 't1' }, { ret: 0 }, { ret: 0, value: String(v0) }, { ret: 0, value: String(v1) },
      { ret: Number(ret(run, 4)), tms: tms(1, 1) }, { ret: Number(ret(run, 5)), tms: second }];
    run.steps.forEach((s, i) => { s.obs = obs[i]; });
    return compareRun(p, run, createModel).disagreement;
  }
  const inBracket = (r: KernelRun, i: number) => r.steps[i].after.clockTicks;

  it('accept starts from either end of their brackets and ticks within the step\'s', () => {
    expect(judged('late', 'early', inBracket)).toBeUndefined();
  });
  it('reject a start of t0 after its own bracket, and one of t1 outside the fork\'s', () => {
    const t0After = (T0 - 5n * MS + 30n * US) / tick + 1n;
    expect(judged(t0After, 'early', inBracket)).toMatchObject({ index: 2, reason: 'value outside the bracket' });
    const t1Before = (T0 / tick) - 1n;
    expect(judged('late', t1Before, inBracket)).toMatchObject({ index: 3, reason: 'value outside the bracket' });
  });
  it('reject elapsed ticks past the bracket, as a namespace\'s offset would put them', () => {
    expect(judged('late', 'early', (r, i) => r.steps[i].after.clockTicks + 1n)).toMatchObject({ index: 4, reason: 'clock ticks outside the bracket' });
  });
  it('reject a process CPU time that goes back, and children\'s times that go back', () => {
    expect(judged('late', 'early', inBracket, tms(0, 1))).toMatchObject({ index: 5, reason: /CPU clock went back/ });
    expect(judged('late', 'early', inBracket, tms(1, 0))).toMatchObject({ index: 5, reason: /children's CPU times of t1 went back/ });
    // About 1 ms passed between the readings: the 2 ticks flooring may hide, no more.
    expect(judged('late', 'early', inBracket, tms(3, 1))).toBeUndefined();
    expect(judged('late', 'early', inBracket, tms(4, 1))).toMatchObject({ index: 5, reason: /grew by/ });
  });
});

// ---- Observed values: the models are given the value Linux used ------------------------------------------

describe('a value taken from the kernel\'s own reading', () => {
  // A clock read in a 1 ms bracket that showed T0 + 900 µs, a timerfd armed 1 s after what it showed, and
  // read back in a 10 µs bracket 2 ms in: 1 s - 1105 µs .. 1 s - 1100 µs left, from that reading alone.
  const p: Program = {
    format: 1, kernel: 'current', env: { seed: 'j' }, steps: [
      { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true, label: 'now' },
      { task: 't0', call: 'timerfd_create', clock: 'CLOCK_MONOTONIC', nonblock: true, fd: 'f0' },
      { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: true, cancelOnSet: false, value: { from: 'now', field: 'time', delta: '1000000000' }, interval: { sec: '0', nsec: 0 } },
      { task: 't0', call: 'timerfd_gettime', fd: 'f0' },
    ],
  };
  const left = (v: bigint): Observation => ({ ret: 0, itimer: { value: String(v), interval: '0' } });
  const run = (remaining: bigint) => bracketed(p, [
    [{ ret: 0, time: String(T0 + 900n * US) }, 0, 1000],
    [{ ret: 0, handle: 'f0' }, 1100, 1200],
    [left(0n), 1300, 1400],
    [left(remaining), 2000, 2010],
  ]);

  it('judges the armed timer by the kernel\'s reading, not by where the bracket would let the models read', () => {
    expect(compareRun(p, run(1_000_000_000n - 1105n * US), createModel).disagreement).toBeUndefined();
    // 1500 µs gone is what a reading at T0 + 500 µs would give: inside the bracket, but not what Linux read.
    const d = compareRun(p, run(1_000_000_000n - 1500n * US), createModel).disagreement;
    expect(d?.index).toBe(3);
    expect(d?.reason).toBe('remaining time outside the corners');
  });

  it('a step the executor did not make is one whose value the kernel did not observe, and no other', () => {
    const failed: Program = { ...p, steps: [{ ...p.steps[0], clock: 10 } as Step, ...p.steps.slice(1, 3)] };
    const rows = (third: Observation): [Observation, number, number][] => [[{ err: 'EINVAL' }, 0, 10], [{ ret: 0, handle: 'f0' }, 20, 30], [third, 40, 50]];
    expect(compareRun(failed, bracketed(failed, rows({ unresolved: true })), createModel).disagreement).toBeUndefined();
    const made = compareRun(failed, bracketed(failed, rows(left(0n))), createModel).disagreement;
    expect(made?.reason).toBe('the executor made a step whose observed value the kernel did not observe');
    const armed: Program = { ...p, steps: p.steps.slice(0, 3) };
    const notMade = compareRun(armed, bracketed(armed, [[{ ret: 0, time: String(T0) }, 0, 10], [{ ret: 0, handle: 'f0' }, 20, 30], [{ unresolved: true }, 40, 50]]), createModel).disagreement;
    expect(notMade?.reason).toBe('the executor did not make a step whose observed value the kernel observed');
  });
});
