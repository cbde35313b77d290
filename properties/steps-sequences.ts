// Short sequences of steps that reach what single weighted steps almost never line up: a task living in a
// namespace whose offsets are not zero, absolute timers aimed before that offset, and timers armed before
// their process moves to other offsets. A sequence is queued in the sketch and played out step by step
// (other steps may come between); each step is made when its turn comes, from the state then.
import type { ClockRef, ProgramStep, Step, Timespec } from '../vocab/index.ts';
import { ALL_CLOCKS, fdsOf, gone, newFd, newTask, siblings, type Maker, type Rng, type Sketch } from './sketch.ts';
import { OFFSET_NSEC_TEXTS } from './boundaries.ts';
import { absTarget, beforeOffset, nsNow, newTimer, rememberClock, ts } from './steps-timers.ts';

/** One queued step: made when its turn comes; undefined drops the rest of its sequence. */
export type Planned = (r: Rng, s: Sketch) => Step | undefined;

const SHIFTED_TIMER_CLOCKS: ClockRef[] = ['CLOCK_MONOTONIC', 'CLOCK_BOOTTIME', 'CLOCK_BOOTTIME_ALARM'];
const SEC = 1_000_000_000n;

/** Whether the task runs now (not gone, blocked or asleep), so a planned step it makes can run. */
const runs = (s: Sketch, task: string) => !s.exited.has(task) && !s.blockedBy.has(task) && !s.sleeping.has(task);

/** Offsets that a write accepts and that differ from zero: days ahead, seconds either way (never past the
 *  host's uptime backwards), and the texts the parser wraps to small values. */
function shiftText(r: Rng, s: Sketch): string {
  const up = s.now().monotonic / SEC;
  const sec = (): string => {
    switch (r.int(0, 5)) {
      case 0: return String(r.int(1, 1000) * 86_400);
      case 1: return String(r.int(1, 200));
      case 2: return up > 2n ? String(-BigInt(r.int(1, Number(up > 200n ? 200n : up - 1n)))) : '5';
      case 3: return up > 2n ? '18446744073709551615' : '7'; // wraps to -1
      case 4: return '18446744073709551617'; // wraps to 1
      default: return String(3600 + r.int(0, 100_000));
    }
  };
  const nsec = () => r.pick(['0', '0', '999999999', '1', OFFSET_NSEC_TEXTS['2^64-1 (wraps to -1, accepted)'], OFFSET_NSEC_TEXTS['2^64 (wraps to 0)']]);
  const recs = [`monotonic ${sec()} ${nsec()}`, `boottime ${sec()} ${nsec()}`].filter(() => r.chance(0.8));
  return (recs.length > 0 ? recs : [`monotonic ${sec()} 0`]).join('\n') + '\n';
}

/**
 * unshare a namespace, write offsets other than zero into it, and enter it: by exec (the task itself), or
 * by fork or clone3 (a child), or, kept for the caller, not at all (`enter: false`: the namespace stays
 * pending, and `nsFd` is an nsfs fd of it, opened from time_for_children, for a later setns).
 */
function shiftedNamespace(task: string, enter: 'exec' | 'fork' | 'clone3' | 'none', nsFd?: (fd: string) => void): Planned[] {
  let offsets = '';
  return [
    (_r, s) => (runs(s, task) ? { task, call: 'unshare', flags: ['CLONE_NEWTIME'] } : undefined),
    (_r, s) => ({ task, call: 'open', target: task, file: 'timens_offsets', mode: 'w', fd: (offsets = newFd(s, task, 'offsets-w')) }),
    (r, s) => ({ task, call: 'write', fd: offsets, text: shiftText(r, s) }),
    ...(nsFd ? [(_r: Rng, s: Sketch): Step => {
      const fd = newFd(s, task, 'time');
      nsFd(fd);
      return { task, call: 'open', target: task, file: 'ns/time_for_children', mode: 'r', fd };
    }] : []),
    ...(enter === 'none' ? [] : [(r: Rng, s: Sketch): Step | undefined => {
      if (!runs(s, task)) return undefined;
      if (enter === 'fork') return { task, call: 'fork', child: newTask(s, task, 'process') };
      if (enter === 'clone3') return { task, call: 'clone3', child: newTask(s, task, 'process'), flags: r.chance(0.5) ? ['CLONE_NEWTIME'] : [] };
      for (const t of siblings(s, task)) if (t !== task) gone(s, t);
      for (const f of fdsOf(s, task)) if (s.kind.get(f) === 'pidfd') fdsOf(s, task).delete(f);
      s.timersOf.set(s.group.get(task) ?? -1, new Set());
      return { task, call: 'exec' };
    }]),
  ];
}

/** Whether some task already lives in a shifted namespace; if so one of them, else undefined. */
function shiftedTask(r: Rng, s: Sketch): string | undefined {
  const st = s.peek();
  const shifted = Object.entries(st.tasks).filter(([h, t]) => {
    const ns = st.timeNamespaces[String(t.timeNs)];
    return ns && (ns.monotonic !== '0' || ns.boottime !== '0') && t.state === 'running' && runs(s, h);
  });
  return shifted.length > 0 ? r.pick(shifted)[0] : undefined;
}

/** Half the time before the offset; else one of its edges: 1 ns before it, at it, just after (host
 *  -1 ns clamped to 0, host 0 and 1 ns). */
function nearOffset(r: Rng, s: Sketch, task: string, clock: ClockRef): Timespec {
  if (r.chance(0.5)) return beforeOffset(r, s, task, clock);
  const { offset } = nsNow(s, task, clock);
  const edges = [offset - 1n, offset, offset + 1n].filter((v) => v > 0n);
  return edges.length > 0 ? ts(r.pick(edges)) : beforeOffset(r, s, task, clock);
}

/** Arm a timer or timerfd with an absolute target before its namespace's offset (clamped to host 0),
 *  with or without a period, then read it back, let time pass and collect. */
function armBeforeOffset(r: Rng, task: string): Planned[] {
  const clock = r.pick(SHIFTED_TIMER_CLOCKS);
  const iv = () => (r.chance(0.5) ? ts(0n) : ts(r.pick([5_000_000n, 8_000_000n])));
  if (r.chance(0.2)) {
    // A sleep until then (zero where the offset is negative) ends at once.
    const sleepClock = r.pick(['CLOCK_MONOTONIC', 'CLOCK_BOOTTIME'] as const);
    return [(r2, s) => (runs(s, task) ? { task, call: 'clock_nanosleep', clock: sleepClock, abs: true, value: nearOffset(r2, s, task, sleepClock) } : undefined)];
  }
  if (r.chance(0.5)) {
    let fd = '';
    return [
      (_r, s) => (runs(s, task) ? { task, call: 'timerfd_create', clock, nonblock: true, fd: (fd = rememberClock(s, newFd(s, task, 'timerfd'), clock)) } : undefined),
      (r2, s) => ({ task, call: 'timerfd_settime', fd, abs: true, cancelOnSet: false, value: nearOffset(r2, s, task, clock), interval: iv() }),
      () => ({ task, call: 'timerfd_gettime', fd }),
      () => ({ task, call: 'read', fd }),
    ];
  }
  let timer = '';
  return [
    (_r, s) => {
      if (!runs(s, task)) return undefined;
      timer = newTimer(s, task, clock);
      return { task, call: 'timer_create', clock, notify: 'signal', timer };
    },
    (r2, s) => ({ task, call: 'timer_settime', timer, abs: true, value: nearOffset(r2, s, task, clock), interval: iv() }),
    () => ({ task, call: 'timer_gettime', timer }),
    () => ({ task, call: 'sigwait' }),
    () => ({ task, call: 'timer_getoverrun', timer }),
  ];
}

/**
 * Arm an absolute timer, then move to other offsets while it waits: the POSIX timer's own task by setns,
 * or another thread of its process (after the arming thread exits: setns wants a single thread), or a
 * timerfd's holder by exec or setns. The timer must stay where it was armed in host time; read it back.
 */
function armThenMove(r: Rng, task: string): Planned[] {
  const clock = r.pick(SHIFTED_TIMER_CLOCKS);
  const how = r.pick(['setns', 'setns', 'thread-setns', 'exec', 'exec'] as const);
  const timerfd = how === 'exec' ? r.chance(0.7) : r.chance(0.3);
  let nsFd = '';
  let armer = task;
  let handle = '';
  const plan: Planned[] = shiftedNamespace(task, 'none', how === 'exec' ? undefined : (fd) => { nsFd = fd; });
  if (how === 'thread-setns') plan.push((_r, s) => (runs(s, task) ? { task, call: 'thread', child: (armer = newTask(s, task, 'thread')) } : undefined));
  plan.push(
    (_r, s) => {
      if (!runs(s, armer)) return undefined;
      if (timerfd) return { task: armer, call: 'timerfd_create', clock, nonblock: true, fd: (handle = rememberClock(s, newFd(s, armer, 'timerfd'), clock)) };
      handle = rememberClock(s, `k${s.nextTimer++}`, clock);
      s.timersOf.get(s.group.get(armer) ?? -1)?.add(handle);
      return { task: armer, call: 'timer_create', clock, notify: r.chance(0.7) ? 'signal' : 'none', timer: handle };
    },
    (r2, s) => {
      const value = r2.chance(0.2) ? absTarget(r2, s, armer, clock) : ts(nsNow(s, armer, clock).now + r2.pick([3_000_000n, 8_000_000n, 3_600_000_000_000n]));
      const interval = ts(r2.chance(0.7) ? 0n : 5_000_000n);
      return timerfd ? { task: armer, call: 'timerfd_settime', fd: handle, abs: true, cancelOnSet: false, value, interval }
        : { task: armer, call: 'timer_settime', timer: handle, abs: true, value, interval };
    },
  );
  if (how === 'thread-setns') plan.push((_r, s) => { gone(s, armer); return { task: armer, call: 'exit' }; });
  plan.push((_r, s) => {
    if (!runs(s, task)) return undefined;
    if (how !== 'exec') return { task, call: 'setns', fd: nsFd, nstype: r.chance(0.8) ? ['CLONE_NEWTIME'] : [] };
    for (const t of siblings(s, task)) if (t !== task) gone(s, t);
    for (const f of fdsOf(s, task)) if (s.kind.get(f) === 'pidfd') fdsOf(s, task).delete(f);
    s.timersOf.set(s.group.get(task) ?? -1, new Set());
    return { task, call: 'exec' };
  });
  plan.push(
    () => (timerfd ? { task, call: 'timerfd_gettime', fd: handle } : { task, call: 'timer_gettime', timer: handle }),
    (_r, s) => (s.kernelTimers ? { host: 'advance', ns: '20000000' } : { host: 'advance', ns: String(r.pick([20_000_000n, 3_600_000_000_000n])) }),
    () => (timerfd ? { task, call: 'read', fd: handle } : { task, call: 'timer_getoverrun', timer: handle }),
  );
  return plan;
}

/** Every clock id through the vDSO (and the syscall) from a task whose namespace is shifted. */
function readEveryClock(r: Rng, task: string): Planned[] {
  return Array.from({ length: 3 }, () => (_r: Rng, s: Sketch): Step | undefined =>
    (runs(s, task) ? { task, call: 'clock_gettime', clock: r.pick(ALL_CLOCKS), vdso: r.chance(0.8) } : undefined));
}

const queue = (s: Sketch, plan: Planned[]) => { s.plan.push(...plan); };

/** Start a sequence and make its first step at once. */
function start(r: Rng, s: Sketch, plan: Planned[], fallback: Step): Step {
  const [first, ...rest] = plan;
  const step = first(r, s);
  if (!step) return fallback;
  queue(s, rest);
  return step;
}

/**
 * A clone child's life: a legacy clone whose exit signal is not SIGCHLD, an exec (which makes it SIGCHLD)
 * or none, an exit with a code, and a wait by the parent with options that may or may not see it.
 */
function cloneChildLife(r: Rng, parent: string): Planned[] {
  let child = '';
  const execs = r.chance(0.5);
  const plan: Planned[] = [
    (r2, s2) => {
      if (!runs(s2, parent)) return undefined;
      child = newTask(s2, parent, 'process');
      return { task: parent, call: 'clone', child, flags: [], exitSignal: r2.pick([0, 0x80 | 17, 0x80, 23, 255]) };
    },
  ];
  if (execs) plan.push((_r2, s2) => (runs(s2, child) ? { task: child, call: 'exec' } : undefined));
  plan.push((r2, s2) => {
    if (!runs(s2, child)) return undefined;
    gone(s2, child);
    return { task: child, call: r2.pick(['exit', 'exit_group'] as const), code: r2.int(0, 300) };
  });
  plan.push((r2, s2) => (runs(s2, parent) ? {
    task: parent, call: 'wait', child, syscall: r2.pick(['wait4', 'waitid'] as const),
    options: r2.pick([[], ['__WCLONE'], ['__WALL']] as const).slice(),
  } : undefined));
  return plan;
}

/**
 * Read a pending namespace's offsets part-way with read(2), change them through a second fd, and read on:
 * the first fd serves the rest of the text it made before the change. Then a write at the moved position
 * (EINVAL), a seek back, and the write again.
 */
function keptTextAcrossWrite(r: Rng, task: string): Planned[] {
  let reader = '';
  let writer = '';
  const plan: Planned[] = [
    (_r, s) => (runs(s, task) ? { task, call: 'unshare', flags: ['CLONE_NEWTIME'] } : undefined),
    (_r, s) => ({ task, call: 'open', target: task, file: 'timens_offsets', mode: 'rw', fd: (reader = newFd(s, task, 'offsets-w')) }),
    (r2) => ({ task, call: 'read', fd: reader, count: r2.pick([5, 10, 20, 40]), pos: 'current' }),
    (_r, s) => ({ task, call: 'open', target: task, file: 'timens_offsets', mode: 'w', fd: (writer = newFd(s, task, 'offsets-w')) }),
    (r2, s) => ({ task, call: 'write', fd: writer, text: shiftText(r2, s) }),
    (r2) => ({ task, call: 'read', fd: reader, count: r2.pick([10, 4096]), pos: 'current' }),
    (r2, s) => ({ task, call: 'write', fd: reader, text: shiftText(r2, s) }),
    (r2) => ({ task, call: 'lseek', fd: reader, offset: 0, whence: r2.pick(['SEEK_SET', 'SEEK_CUR'] as const) }),
    (r2, s) => ({ task, call: 'write', fd: reader, text: shiftText(r2, s) }),
  ];
  return plan.slice(0, r.chance(0.5) ? 9 : 6);
}

/** A shifted namespace for this task to live in (entered by exec, fork or clone3), then clock reads there. */
export const SEQUENCE_MAKERS: [number, Maker][] = [
  [1, (r, s, task) => start(r, s, keptTextAcrossWrite(r, task), { task, call: 'read_uptime' })],
  [1, (r, s, task) => start(r, s, cloneChildLife(r, task), { task, call: 'read_uptime' })],
  [3, (r, s, task) => {
    const enter = r.pick(['exec', 'fork', 'clone3'] as const);
    const plan = shiftedNamespace(task, enter);
    // The reads are the exec'd task's, or the child's: the one now in the namespace.
    plan.push((r2, s2) => {
      const who = enter === 'exec' ? task : `t${s2.nextTask - 1}`;
      queue(s2, readEveryClock(r2, who).slice(1));
      return runs(s2, who) ? { task: who, call: 'clock_gettime', clock: r2.pick(ALL_CLOCKS), vdso: true } : undefined;
    });
    return start(r, s, plan, { task, call: 'read_uptime' });
  }],
];

/** Timer sequences, for generation that makes timers. */
export const TIMER_SEQUENCE_MAKERS: [number, Maker][] = [
  [3, (r, s, task) => {
    const shifted = shiftedTask(r, s);
    if (shifted && r.chance(0.7)) return start(r, s, armBeforeOffset(r, shifted), { task, call: 'sigwait' });
    const enter = r.pick(['exec', 'fork'] as const);
    const plan = shiftedNamespace(task, enter);
    plan.push((r2, s2) => {
      const who = enter === 'exec' ? task : `t${s2.nextTask - 1}`;
      const [first, ...rest] = armBeforeOffset(r2, who);
      queue(s2, rest);
      return first(r2, s2);
    });
    return start(r, s, plan, { task, call: 'sigwait' });
  }],
  [3, (r, s, task) => start(r, s, armThenMove(r, task), { task, call: 'sigwait' })],
];

/** The next queued step, if a sequence is under way and its turn has come. */
export function nextPlanned(r: Rng, s: Sketch): ProgramStep | undefined {
  while (s.plan.length > 0) {
    const step = s.plan.shift()!(r, s);
    if (step) return step;
    s.plan.length = 0; // a step could not be made: the rest of the sequence makes no sense
  }
  return undefined;
}
