// Sequences whose later steps take a value from an earlier step's observation (vocab/program.ts Observed):
// a clock read, then a target that many nanoseconds from what it showed (0, 1 ns, -1 ns, a second back, a
// few milliseconds ahead, below zero); a clock read, then offsets that bring the namespace's clock to the
// edge of the range proc_timens_set_offset accepts; a timer's time left, then a sleep that long. On a real
// machine these land where no target aimed from the harness's estimate of the clocks can: exactly at the
// value the kernel just showed. Now and then the read fails (an invalid clock), so the step that needs its
// value is not made (unresolved).
import { INVALID_CLOCK_IDS } from '../vocab/index.ts';
import type { ClockRef, Observed, ObservedField, ProgramStep as Step } from '../vocab/index.ts';
import { newFd, newTask, type Maker, type Rng, type Sketch } from './sketch.ts';
import { newTimer, rememberClock, ts } from './steps-timers.ts';

/** One queued step: made when its turn comes; undefined drops the rest of its sequence. */
type Planned = (r: Rng, s: Sketch) => Step | undefined;

const MS = 1_000_000n;
const SEC = 1_000_000_000n;
/** KTIME_SEC_MAX / 2 seconds: the largest a namespace clock may show after an offsets write. */
const HALF_RANGE_NS = 4_611_686_018n * SEC;
/** Deltas from a clock reading to a target: at it, 1 ns either side, a second back, a few milliseconds
 *  ahead (clear of a step's bracket on a real machine), an hour ahead, and below zero. */
const TARGET_DELTAS = [0n, 0n, 1n, -1n, -SEC, 3n * MS, 8n * MS, 3_600_000n * MS, -(1n << 62n)];

const runs = (s: Sketch, task: string) => !s.exited.has(task) && !s.blockedBy.has(task) && !s.sleeping.has(task);

/** The next step's index and, half the time, a label for it; the reference to it either way. */
function mark(r: Rng, s: Sketch, field: ObservedField): { label?: string; ref: (delta: bigint, negate?: boolean) => Observed } {
  const index = s.made ?? 0;
  const label = r.chance(0.5) ? `v${index}` : undefined;
  return {
    ...(label ? { label } : {}),
    ref: (delta, negate) => ({ from: label ?? index, field, delta: String(delta), ...(negate ? { negate: true } : {}) }),
  };
}

/** A clock read by `task` whose value later steps take; an invalid clock id now and then (EINVAL). */
function readClock(r: Rng, task: string, clock: ClockRef, got: (ref: ReturnType<typeof mark>['ref']) => void): Planned {
  return (r2, s) => {
    if (!runs(s, task)) return undefined;
    const m = mark(r2, s, 'time');
    got(m.ref);
    const id = r2.chance(0.06) ? r2.pick(INVALID_CLOCK_IDS) : clock;
    return { task, call: 'clock_gettime', clock: id, vdso: r2.chance(0.6), ...(m.label ? { label: m.label } : {}) };
  };
}

/** A clock read, then an absolute timer, timerfd, sleep or futex wait aimed from it. */
function armFromReading(r: Rng, task: string): Planned[] {
  const clock = r.pick(['CLOCK_MONOTONIC', 'CLOCK_MONOTONIC', 'CLOCK_BOOTTIME', 'CLOCK_REALTIME', 'CLOCK_BOOTTIME_ALARM'] as const);
  let ref: ReturnType<typeof mark>['ref'] = () => { throw new Error('read first'); };
  const at = () => ref(r.pick(TARGET_DELTAS));
  const read = readClock(r, task, clock, (f) => { ref = f; });
  switch (r.int(0, 3)) {
    case 0: {
      let fd = '';
      return [
        (_r, s) => (runs(s, task) ? { task, call: 'timerfd_create', clock, nonblock: r.chance(0.5), fd: (fd = rememberClock(s, newFd(s, task, 'timerfd'), clock)) } : undefined),
        read,
        // In simulated runs a realtime one is canceled by the next clock set (ECANCELED); a real machine's
        // clock is never set.
        (_r, s) => ({ task, call: 'timerfd_settime', fd, abs: true, cancelOnSet: !s.kernelTimers && clock === 'CLOCK_REALTIME', value: at(), interval: ts(r.chance(0.7) ? 0n : 5n * MS) }),
        () => ({ task, call: 'timerfd_gettime', fd }),
        () => ({ task, call: 'read', fd }),
      ];
    }
    case 1: {
      let timer = '';
      let left: ReturnType<typeof mark>['ref'] = () => { throw new Error('gettime first'); };
      return [
        (_r, s) => {
          if (!runs(s, task)) return undefined;
          timer = newTimer(s, task, clock);
          return { task, call: 'timer_create', clock, notify: 'signal', timer };
        },
        read,
        () => ({ task, call: 'timer_settime', timer, abs: true, value: at(), interval: ts(0n) }),
        (r2, s) => {
          const m = mark(r2, s, 'itimer.value');
          left = m.ref;
          return { task, call: 'timer_gettime', timer, ...(m.label ? { label: m.label } : {}) };
        },
        // Sleep as long as the timer has left, or a little less or more: it fires around the wake-up.
        (r2, s) => (runs(s, task) ? { task, call: 'nanosleep', value: left(r2.pick([0n, 1n, -1n, -MS])) } : undefined),
        () => ({ task, call: 'sigwait' }),
      ];
    }
    case 2:
      return [read, (_r, s) => (runs(s, task) ? { task, call: 'clock_nanosleep', clock, abs: true, value: at() } : undefined)];
    default: {
      const realtime = clock === 'CLOCK_REALTIME';
      return [
        readClock(r, task, realtime ? 'CLOCK_REALTIME' : 'CLOCK_MONOTONIC', (f) => { ref = f; }),
        (_r, s) => (runs(s, task) ? { task, call: 'futex_wait', realtime, value: at() } : undefined),
      ];
    }
  }
}

/**
 * A new namespace's offset for a clock, from the clock as the task reads it now: the negated reading
 * plus a delta puts the namespace's clock at about the delta. The range check (proc_timens_set_offset:
 * host now + offset must lie in [0, KTIME_SEC_MAX / 2] seconds) then meets its edges: at 0 and 1 ns below
 * (accepted: time has passed since the read), a second below (ERANGE), the upper edge (accepted) and a
 * second past it (ERANGE). The namespace is then entered by a child, which reads the clock and arms a timer
 * there.
 */
function offsetsFromReading(r: Rng, task: string): Planned[] {
  const which = r.pick(['monotonic', 'boottime'] as const);
  const clock: ClockRef = which === 'monotonic' ? 'CLOCK_MONOTONIC' : 'CLOCK_BOOTTIME';
  const delta = r.pick([0n, 0n, -1n, 1n, -SEC, MS, HALF_RANGE_NS, HALF_RANGE_NS + SEC, HALF_RANGE_NS - SEC]);
  let fd = '';
  let ref: ReturnType<typeof mark>['ref'] = () => { throw new Error('read first'); };
  let child = '';
  return [
    (_r, s) => (runs(s, task) ? { task, call: 'unshare', flags: ['CLONE_NEWTIME'] } : undefined),
    (_r, s) => ({ task, call: 'open', target: task, file: 'timens_offsets', mode: 'w', fd: (fd = newFd(s, task, 'offsets-w')) }),
    readClock(r, task, clock, (f) => { ref = f; }),
    () => ({ task, call: 'write', fd, text: [`${r.chance(0.8) ? which : which === 'monotonic' ? '1' : '7'} `, ref(delta, true), '\n'] }),
    (_r, s) => (runs(s, task) ? { task, call: 'fork', child: (child = newTask(s, task, 'process')) } : undefined),
    (r2, s) => (runs(s, child) ? { task: child, call: 'clock_gettime', clock: r2.pick([clock, 'CLOCK_MONOTONIC_COARSE', 'CLOCK_BOOTTIME']), vdso: true } : undefined),
    (r2, s) => {
      if (!runs(s, child)) return undefined;
      const [first, ...rest] = armFromReading(r2, child);
      s.plan.unshift(...rest);
      return first(r2, s);
    },
  ];
}

/** Start a sequence and make its first step at once. */
function start(r: Rng, s: Sketch, plan: Planned[], fallback: Step): Step {
  const [first, ...rest] = plan;
  const step = first(r, s);
  if (!step) return fallback;
  s.plan.push(...rest);
  return step;
}

/** Sequences with observed values, for kernel-safe generation with timers. */
export const OBSERVED_MAKERS: [number, Maker][] = [
  [3, (r, s, task) => start(r, s, armFromReading(r, task), { task, call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true })],
  [2, (r, s, task) => start(r, s, offsetsFromReading(r, task), { task, call: 'clock_gettime', clock: 'CLOCK_BOOTTIME', vdso: true })],
];
