// The timer and sleep selftests (timerfd.c, timer.c, clock_nanosleep.c, futex.c) as scenarios. What they
// measure with real time ("about 3600 s left", "interrupted, 3300..3900 s remaining", "not less than
// 100 ms") is here exact: timers live in host time (reference §7.1: an absolute target is converted once,
// target - offset), and report host expiry - host now (§7.3). Host time passes only through the 1 µs tick
// before each step and `advance` events, so "the step that passes the deadline" is known in advance.
import type { ClockName, Step, TaskHandle } from '../../vocab/index.ts';
import {
  DAY, MS, SEC, Script, atLeast, blocks, completes, hostOf, nothingCompletes, reads, returns, timeLeft, timespec,
  type Check, type Scenario,
} from './script.ts';
import { settime } from './namespaces.ts';

/** timerfd.c, timer.c and futex.c: 70 days of MONOTONIC, 9 days of BOOTTIME, written in one record pair. */
const MONO_70D = 70n * DAY;
const BOOT_9D = 9n * DAY;
const HOUR = 3600n * SEC;

const offsetOf = (clock: ClockName, mono: bigint, boot: bigint) =>
  clock === 'CLOCK_MONOTONIC' ? mono : clock === 'CLOCK_BOOTTIME' || clock === 'CLOCK_BOOTTIME_ALARM' ? boot : 0n;
/** timerfd.c tclock_gettime: BOOTTIME_ALARM's "now" is read from CLOCK_BOOTTIME. */
const readable = (clock: ClockName): ClockName => (clock === 'CLOCK_BOOTTIME_ALARM' ? 'CLOCK_BOOTTIME' : clock);
const gettime = (task: TaskHandle, clock: ClockName): Step => ({ task, call: 'clock_gettime', clock, vdso: true });
const advance = (ns: bigint): Step => ({ host: 'advance', ns: String(ns) });
const days = (ns: bigint) => `${ns / DAY} days`;

/**
 * main() of timerfd.c, timer.c and futex.c: read the host's clocks, unshare, write the offsets to
 * /proc/self/timens_offsets, fork t1 into the new namespace. Returns the clocks of the two first reads.
 */
function forkIntoOffsets(s: Script, records: string) {
  const mono = s.step(gettime('t0', 'CLOCK_MONOTONIC'), reads('CLOCK_MONOTONIC', 0n, 'the parent before unshare'));
  const boot = s.step(gettime('t0', 'CLOCK_BOOTTIME'), reads('CLOCK_BOOTTIME', 0n, 'the parent before unshare'));
  s.step({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] }, returns(0));
  s.step({ task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' }, returns(0));
  s.step({ task: 't0', call: 'write', fd: 'f1', text: records }, returns(records.length, 'both records are taken'));
  s.step({ task: 't0', call: 'close', fd: 'f1' }, returns(0));
  s.step({ task: 't0', call: 'fork', child: 't1' }, returns(0, 'fork enters the child into the new namespace'));
  return { mono, boot };
}

const TIMER_CLOCKS: ClockName[] = ['CLOCK_BOOTTIME', 'CLOCK_MONOTONIC', 'CLOCK_BOOTTIME_ALARM'];

// ---- timerfd.c and timer.c ---------------------------------------------------------------------

/**
 * run_test(clockid) for one of its two rounds: arm for 3600 s (relative, or absolute at namespace
 * now + 3600 s) with a 1 s interval, and read back the time left. timerfd.c takes "now" in the child
 * just before; timer.c takes the parent's reading from before unshare, plus the offset.
 */
function threeThousandSixHundred(file: 'timerfd' | 'timer', clock: ClockName, abs: boolean): Scenario {
  const s = new Script(`selftests/${file}.c/${clock}/${abs ? 'abs' : 'rel'}`);
  const before = forkIntoOffsets(s, `1 ${MONO_70D / SEC} 0\n7 ${BOOT_9D / SEC} 0`);
  const offset = offsetOf(clock, MONO_70D, BOOT_9D);
  let now = hostOf(readable(clock), readable(clock) === 'CLOCK_MONOTONIC' ? before.mono : before.boot) + offset;
  if (file === 'timerfd') {
    const h = s.step(gettime('t1', readable(clock)), reads(readable(clock), offset, 'the child'));
    now = hostOf(readable(clock), h) + offset;
  }
  const value = timespec(abs ? now + HOUR : HOUR);
  const interval = timespec(SEC);
  let armed;
  if (file === 'timerfd') {
    s.step({ task: 't1', call: 'timerfd_create', clock, nonblock: false, fd: 'f2' }, returns(0));
    armed = s.step({ task: 't1', call: 'timerfd_settime', fd: 'f2', abs, cancelOnSet: false, value, interval }, returns(0));
  } else {
    s.step({ task: 't1', call: 'timer_create', clock, notify: 'none', timer: 'k1' }, returns(0));
    armed = s.step({ task: 't1', call: 'timer_settime', timer: 'k1', abs, value, interval }, returns(0));
  }
  // The expiry in host time: an absolute target converted by subtracting the offset (§7.1).
  const expiry = abs ? now + HOUR - offset : hostOf(clock, armed) + HOUR;
  const left = timeLeft((h) => expiry - hostOf(clock, h), SEC, 'as host expiry - host now (3600 s less the µs since arming)');
  const nearHour: Check = {
    says: 'reports 3600 s left to within 60 s, as the selftest allows',
    holds: (o) => o.itimer !== undefined && BigInt(o.itimer.value) / SEC >= 3540n && BigInt(o.itimer.value) / SEC <= 3660n,
  };
  if (file === 'timerfd') {
    s.step({ task: 't1', call: 'timerfd_gettime', fd: 'f2' }, left, nearHour);
    s.step({ task: 't1', call: 'close', fd: 'f2' }, returns(0));
  } else {
    s.step({ task: 't1', call: 'timer_gettime', timer: 'k1' }, left, nearHour);
  }
  const what = file === 'timerfd' ? 'timerfd' : 'SIGEV_NONE timer';
  return s.scenario(
    `${file}: ${abs ? 'absolute' : 'relative'} ${clock} ${what} ${abs ? 'at namespace now + 3600 s' : 'of 3600 s'} ` +
      `reports 3600 s left in a namespace with ${days(MONO_70D)} MONOTONIC / ${days(BOOT_9D)} BOOTTIME offsets`,
    `${file}.c: run_test`);
}

/** Reference §7.3: "a timerfd armed at ns_now + 20 ms expires once after 20 ms", with timerfd.c's offsets. */
function twentyMilliseconds(clock: ClockName): Scenario {
  const s = new Script(`selftests/timerfd.c/${clock}/20ms`);
  forkIntoOffsets(s, `1 ${MONO_70D / SEC} 0\n7 ${BOOT_9D / SEC} 0`);
  const offset = offsetOf(clock, MONO_70D, BOOT_9D);
  const h = s.step(gettime('t1', clock), reads(clock, offset, 'the child'));
  const value = timespec(hostOf(clock, h) + offset + 20n * MS);
  s.step({ task: 't1', call: 'timerfd_create', clock, nonblock: false, fd: 'f2' }, returns(0));
  s.step({ task: 't1', call: 'timerfd_settime', fd: 'f2', abs: true, cancelOnSet: false, value, interval: timespec(0n) }, returns(0));
  s.step({ task: 't1', call: 'read', fd: 'f2' }, blocks);
  s.step(advance(10n * MS), nothingCompletes('10 ms after the read, 20 ms are not yet up'));
  s.step(advance(10n * MS), completes({ task: 't1', call: 'read', ret: 8, value: '1' }, 'the 20 ms are up: one expiration'));
  s.step({ task: 't1', call: 'timerfd_gettime', fd: 'f2' }, timeLeft(() => 0n, 0n, 'as 0: a one-shot timer is disarmed once expired'));
  s.step({ task: 't1', call: 'read', fd: 'f2' }, blocks);
  s.step(advance(SEC), nothingCompletes('a one-shot timerfd expires once'));
  return s.scenario(
    `timerfd: absolute ${clock} timerfd armed at namespace now + 20 ms expires once, in the step that passes 20 ms`,
    'timerfd.c: run_test (expiry, reference §7.3)');
}

// ---- clock_nanosleep.c -------------------------------------------------------------------------

/** main(): unshare, 7 days of MONOTONIC and 9 days of BOOTTIME (two writes), setns into time_for_children. */
function enterSevenAndNineDays(s: Script): void {
  s.step({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] }, returns(0));
  settime(s, 'f1', 1, 7n * DAY / SEC);
  settime(s, 'f2', 7, 9n * DAY / SEC);
  s.step({ task: 't0', call: 'open', target: 't0', file: 'ns/time_for_children', mode: 'r', fd: 'f3' }, returns(0));
  s.step({ task: 't0', call: 'setns', fd: 'f3', nstype: ['CLONE_NEWTIME'] }, returns(0));
}

/** run_test(clockid, abs): a thread sleeps for 3600 s; 10 ms later SIGUSR1 (with a handler) interrupts it. */
function interruptedSleep(clock: ClockName, abs: boolean): Scenario {
  const s = new Script(`selftests/clock_nanosleep.c/${clock}/${abs ? 'abs' : 'rel'}`);
  enterSevenAndNineDays(s);
  const offset = offsetOf(clock, 7n * DAY, 9n * DAY);
  const hostStart = hostOf(clock, s.step(gettime('t0', clock), reads(clock, offset, 'the task that entered the namespace')));
  s.step({ task: 't0', call: 'thread', child: 't1' }, returns(0));
  const slept = s.step({ task: 't1', call: 'clock_nanosleep', clock, abs, value: timespec(abs ? hostStart + offset + HOUR : HOUR) }, blocks);
  s.step(advance(10n * MS), nothingCompletes('a 3600 s sleep is not over after 10 ms'));
  const checks: Check[] = [abs
    ? completes({ task: 't1', call: 'clock_nanosleep', err: 'EINTR' }, 'an absolute sleep reports no remaining time (§7.4)')
    : completes((h) => ({ task: 't1', call: 'clock_nanosleep', err: 'EINTR', time: String(hostOf(clock, slept) + HOUR - hostOf(clock, h)) }),
      'the remaining time is host expiry - host now (§7.4)')];
  if (!abs) checks.push({
    says: 'the remaining time is within [3300 s, 3900 s], as the selftest allows',
    holds: (o) => o.completions?.length === 1 && o.completions[0].time !== undefined &&
      BigInt(o.completions[0].time) / SEC >= 3300n && BigInt(o.completions[0].time) / SEC <= 3900n,
  });
  s.step({ host: 'signal', task: 't1', handler: true }, ...checks);
  s.step({ task: 't1', call: 'exit' });
  return s.scenario(
    `clock_nanosleep: ${abs ? 'absolute' : 'relative'} ${clock} sleep of 3600 s in a namespace with ` +
      `${days(offset)} of offset is still asleep after 10 ms and ends with EINTR on a signal`,
    'clock_nanosleep.c: run_test');
}

/** Reference §7.1: an absolute sleep converts its target once; it ends exactly when host time reaches it. */
function sleepTwentyMilliseconds(): Scenario {
  const s = new Script('selftests/clock_nanosleep.c/CLOCK_MONOTONIC/20ms');
  enterSevenAndNineDays(s);
  const now = hostOf('CLOCK_MONOTONIC', s.step(gettime('t0', 'CLOCK_MONOTONIC'), reads('CLOCK_MONOTONIC', 7n * DAY)));
  s.step({ task: 't0', call: 'thread', child: 't1' }, returns(0));
  s.step({ task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: true, value: timespec(now + 7n * DAY + 20n * MS) }, blocks);
  s.step(advance(10n * MS), nothingCompletes('20 ms are not yet up'));
  s.step(advance(10n * MS), completes({ task: 't1', call: 'clock_nanosleep', ret: 0 }, 'the 20 ms are up'));
  return s.scenario(
    'clock_nanosleep: absolute CLOCK_MONOTONIC sleep to namespace now + 20 ms (7 days of offset) returns 0 in the step that passes 20 ms',
    'clock_nanosleep.c: run_test (expiry, reference §7.1)');
}

// ---- futex.c -----------------------------------------------------------------------------------

/** run_test(clockid): FUTEX_WAIT_BITSET until clock now + 100 ms: ETIMEDOUT, and not before 100 ms. */
function futexTimeout(clock: 'CLOCK_REALTIME' | 'CLOCK_MONOTONIC'): Scenario {
  const s = new Script(`selftests/futex.c/${clock}`);
  forkIntoOffsets(s, `1 ${MONO_70D / SEC} 0`);
  const offset = offsetOf(clock, MONO_70D, 0n);
  const timeout = hostOf(clock, s.step(gettime('t1', clock), reads(clock, offset, 'the child'))) + offset + 100n * MS;
  s.step({ task: 't1', call: 'futex_wait', realtime: clock === 'CLOCK_REALTIME', value: timespec(timeout) }, blocks);
  s.step(advance(99n * MS), nothingCompletes('99 ms after the wait began the timeout is still ahead'));
  s.step(advance(MS), completes({ task: 't1', call: 'futex_wait', err: 'ETIMEDOUT' }, 'the 100 ms are up'));
  s.step(gettime('t1', clock), reads(clock, offset, 'the child'), atLeast(clock, timeout));
  return s.scenario(
    `futex: FUTEX_WAIT_BITSET${clock === 'CLOCK_REALTIME' ? '|FUTEX_CLOCK_REALTIME' : ''} with an absolute ${clock} ` +
      `timeout of now + 100 ms in a namespace with ${days(MONO_70D)} of MONOTONIC offset times out after 100 ms, not before`,
    'futex.c: run_test');
}

export const TIMER_SCENARIOS: Scenario[] = [
  ...(['timerfd', 'timer'] as const).flatMap((file) =>
    TIMER_CLOCKS.flatMap((clock) => [threeThousandSixHundred(file, clock, false), threeThousandSixHundred(file, clock, true)])),
  twentyMilliseconds('CLOCK_BOOTTIME'),
  twentyMilliseconds('CLOCK_MONOTONIC'),
  ...(['CLOCK_MONOTONIC', 'CLOCK_BOOTTIME_ALARM'] as const).flatMap((clock) => [interruptedSleep(clock, false), interruptedSleep(clock, true)]),
  sleepTwentyMilliseconds(),
  futexTimeout('CLOCK_REALTIME'),
  futexTimeout('CLOCK_MONOTONIC'),
];
