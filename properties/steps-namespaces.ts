// Steps of namespaces, processes, credentials, offsets and clocks, each kind with its weight.
import { CAP_NAMES, INT_MAX, KTIME_SEC_MAX, NS_IOCTLS } from '../vocab/index.ts';
import type { CapName, CloneFlagName, NsIoctl, ProcFile, Step, TaskStep, WaitOptionName } from '../vocab/index.ts';
import {
  ALL_CLOCKS, fdsOf, flags, gone, lastStanding, newFd, newTask, siblings, someClock, someFd, someTask,
  type FdKind, type GenOptions, type Maker, type Rng, type Sketch,
} from './sketch.ts';
import { OFFSET_NSEC_TEXTS, OFFSET_NSEC_TEXTS_SIMULATED, OFFSET_SEC_TEXTS } from './boundaries.ts';

const HALF_RANGE = 4_611_686_018n; // KTIME_SEC_MAX / 2: the largest whole second a namespace clock may show

function offsetSeconds(r: Rng): string {
  switch (r.int(0, 9)) {
    case 0: return String(r.int(-5, 5));
    case 1: return String(r.int(-200, 200)); // around small uptimes: both sides of host time 0
    case 2: return String(-r.int(1, 40) * 86_400); // days back, ERANGE on young hosts
    case 3: return String(r.int(1, 1000) * 86_400);
    case 4: return String(HALF_RANGE - BigInt(r.int(0, 100) * 86_400)); // near the upper edge
    case 5: return String(KTIME_SEC_MAX + BigInt(r.int(-1, 1)));
    case 6: return String(-KTIME_SEC_MAX - BigInt(r.int(-1, 1)));
    case 7: return r.pick(Object.values(OFFSET_SEC_TEXTS)); // the range check's edges, and what the parser wraps
    default: return String(r.int(-100_000, 100_000));
  }
}

function offsetRecord(r: Rng, o: GenOptions): string {
  const clock = r.chance(0.94) ? r.pick(['monotonic', 'boottime', '1', '7', 'monotonic', 'boottime'])
    : r.pick(['realtime', '0', '4', 'MONOTONIC', 'Boottime', 'monotonic_raw']);
  // Past 64 bits the parser wraps; a tv_nsec wrapped far below zero is left to the simulated sides, where
  // the kernel would spend seconds normalising it.
  const wrapped = [...Object.values(OFFSET_NSEC_TEXTS), ...(o.kernelSafe ? [] : Object.values(OFFSET_NSEC_TEXTS_SIMULATED))];
  const nsec = r.chance(0.85) ? r.pick(['0', '0', '500000000', '999999999', '1'])
    : r.chance(0.6) ? r.pick(wrapped) : r.pick(['1000000000', '-1', '']);
  const rec = `${clock} ${offsetSeconds(r)} ${nsec}`.trimEnd();
  return r.chance(0.03) ? clock : rec; // a missing field
}

function offsetText(r: Rng, o: GenOptions): string {
  if (r.chance(0.03)) return r.pick(['', '\n', 'monotonic 1 0\n\n']);
  const n = r.chance(0.65) ? 1 : r.chance(0.85) ? 2 : 3;
  const recs = Array.from({ length: n }, () => offsetRecord(r, o));
  return recs.join('\n') + (r.chance(0.5) ? '\n' : '');
}

/** An exit code: mostly small, sometimes past a byte (only its low byte reaches the wait status). */
const exitCode = (r: Rng) => r.pick([0, 1, 3, 42, 255, 256 + 7, -1]);

/** A child process of the task's process, as the model has it now, or any task when it has none. */
function someChild(r: Rng, s: Sketch, task: string): string {
  const st = s.peek();
  const leader = st.tasks[task]?.leader;
  const children = Object.entries(st.tasks).filter(([h, t]) => t.parent === leader && t.leader === h).map(([h]) => h);
  return children.length > 0 ? r.pick(children) : someTask(r, s);
}

/**
 * open("/proc/PID/<file>"). Offsets are opened mostly where a write can still land: a task whose
 * time_for_children is pending (unfrozen), as after unshare.
 */
function openStep(r: Rng, s: Sketch, task: string, file: ProcFile, mode?: 'r' | 'w' | 'rw'): Step {
  let target = r.chance(0.6) ? task : someTask(r, s);
  if (file === 'timens_offsets' && r.chance(0.7)) {
    const st = s.peek();
    const pending = Object.entries(st.tasks).filter(([, t]) => t.timeNsForChildren !== null && !st.timeNamespaces[String(t.timeNsForChildren)]?.frozen);
    if (pending.length > 0) target = r.chance(0.5) && pending.some(([h]) => h === task) ? task : r.pick(pending)[0];
  }
  const m = file === 'timens_offsets' ? mode ?? r.pick(['w', 'w', 'rw', 'r'] as const) : 'r';
  const kind: FdKind = file === 'timens_offsets' ? (m === 'r' ? 'offsets' : 'offsets-w') : file === 'ns/user' ? 'user' : 'time';
  return { task, call: 'open', target, file, mode: m, fd: newFd(s, task, kind) };
}

/** Calls generated for kernel campaigns only, so far: the simulated campaigns' stream, on which the laws'
 *  minimum counts and the planted breaks' expected shapes were measured, stays as it was. */
export const KERNEL_ONLY_MAKERS: [number, Maker][] = [
  [2, (r, _s, task) => (r.chance(0.3) ? { task, call: 'prctl', option: 'PR_GET_DUMPABLE' }
    : { task, call: 'prctl', option: 'PR_SET_DUMPABLE', arg: r.pick([0, 0, 1, 2]) })],
  [1, (r, _s, task) => ({ task, call: r.pick(['gettimeofday', 'time'] as const), vdso: r.chance(0.6) })],
  // Mostly another task's start, read from wherever the reader's namespace puts it.
  [2, (r, s, task) => ({ task, call: 'read_starttime', target: r.chance(0.3) ? task : someTask(r, s) })],
  [1, (_r, _s, task) => ({ task, call: 'times' })],
];

/** Each kind of step with its weight. Namespace and offsets work dominates, so states get deep. */
export const MAKERS: [number, Maker][] = [
  [10, (r, _s, task) => ({ task, call: 'unshare', flags: flags<CloneFlagName>(r, [['CLONE_NEWTIME', 0.8], ['CLONE_NEWUSER', 0.3], ['CLONE_THREAD', 0.04], ['CLONE_VM', 0.04], ['CLONE_VFORK', 0.03]]) })],
  [12, (r, s, task) => openStep(r, s, task, r.pick(['timens_offsets', 'timens_offsets', 'timens_offsets', 'ns/time', 'ns/time_for_children', 'ns/time_for_children', 'ns/user'] as const))],
  [11, (r, s, task, o) => {
    // A write wants an fd open for writing; a process holding none opens one first.
    const held = [...fdsOf(s, task)].filter((f) => s.kind.get(f) === 'offsets-w');
    if (held.length === 0 && r.chance(0.8)) return openStep(r, s, task, 'timens_offsets', 'w');
    const step: TaskStep = { task, call: 'write', fd: someFd(r, s, task, ['offsets-w']), text: offsetText(r, o) };
    if (r.chance(0.05)) step.pos = r.pick([0, 1, 64]);
    return step;
  }],
  [3, (r, s, task) => ({ task, call: 'read', fd: someFd(r, s, task, ['offsets', 'offsets-w']) })],
  [1, (r, s, task) => {
    // Reads that move the file position, in pieces (the seq_file keeps the rest of the text it made).
    const fd = someFd(r, s, task, ['offsets', 'offsets-w']);
    if (s.kind.get(fd) === 'timerfd') return { task, call: 'read', fd };
    const count = r.pick([1, 10, 31, 32, 33, 64, 4096]);
    return r.chance(0.7) ? { task, call: 'read', fd, count, pos: 'current' } : { task, call: 'read', fd, count, pos: r.pick([0, 10, 32, 64, 100]) };
  }],
  [1, (r, s, task) => ({
    task, call: 'lseek', fd: someFd(r, s, task, ['offsets', 'offsets-w']),
    offset: r.pick([0, 0, 0, 5, 32, 64, 1000, -1]), whence: r.pick(['SEEK_SET', 'SEEK_SET', 'SEEK_CUR', 'SEEK_END'] as const),
  })],
  [6, (_r, s, task) => ({ task, call: 'fork', child: newTask(s, task, 'process') })],
  [2, (_r, s, task) => ({ task, call: 'vfork', child: newTask(s, task, 'vfork') })],
  [3, (_r, s, task) => ({ task, call: 'thread', child: newTask(s, task, 'thread') })],
  [6, (r, s, task) => {
    const f = flags<CloneFlagName>(r, [['CLONE_NEWTIME', 0.55], ['CLONE_NEWUSER', 0.2], ['CLONE_VM', 0.3], ['CLONE_VFORK', 0.15], ['CLONE_THREAD', 0.12]]);
    const how = f.includes('CLONE_THREAD') ? 'thread' : f.includes('CLONE_VFORK') ? 'vfork' : 'process';
    return { task, call: 'clone3', child: newTask(s, task, how), flags: f };
  }],
  [1, (r, s, task) => {
    // The legacy clone: the exit signal byte decides who waits for the child (CLONE_NEWTIME's bit 0x80
    // lands in it, so 0x80 | SIGCHLD is a clone child, not a new namespace).
    const f = flags<CloneFlagName>(r, [['CLONE_NEWUSER', 0.2], ['CLONE_VM', 0.25], ['CLONE_VFORK', 0.15], ['CLONE_THREAD', 0.1]]);
    const how = f.includes('CLONE_THREAD') ? 'thread' : f.includes('CLONE_VFORK') ? 'vfork' : 'process';
    return { task, call: 'clone', child: newTask(s, task, how), flags: f, exitSignal: r.pick([17, 17, 0, 0x80 | 17, 0x80, 23, 255]) };
  }],
  [5, (r, s, task) => {
    if (r.chance(0.1)) return { task, call: 'exec', fail: true };
    for (const t of siblings(s, task)) if (t !== task) gone(s, t);
    for (const [parent, child] of s.blockedBy) if (child === task) s.blockedBy.delete(parent);
    for (const f of fdsOf(s, task)) if (s.kind.get(f) === 'pidfd') fdsOf(s, task).delete(f); // O_CLOEXEC
    return { task, call: 'exec' };
  }],
  [8, (r, s, task) => ({ task, call: 'setns', fd: someFd(r, s, task, ['time', 'pidfd', 'time', 'user']), nstype: r.chance(0.4) ? [] : r.chance(0.85) ? ['CLONE_NEWTIME'] : ['CLONE_NEWUSER'] })],
  [3, (r, s, task) => ({ task, call: 'pidfd_open', target: someTask(r, s), fd: newFd(s, task, 'pidfd') })],
  [2, (r, s, task) => {
    const fd = someFd(r, s, task);
    fdsOf(s, task).delete(fd);
    return { task, call: 'close', fd };
  }],
  [3, (r, s, task) => ({ task, call: 'readlink', target: r.chance(0.5) ? task : someTask(r, s), link: r.pick(['time', 'time_for_children'] as const) })],
  [3, (r, s, task) => {
    const request = r.pick(Object.keys(NS_IOCTLS) as NsIoctl[]);
    const step: TaskStep = { task, call: 'ioctl', fd: someFd(r, s, task, ['time', 'user']), request };
    if (request === 'NS_GET_USERNS' || request === 'NS_GET_PARENT') step.result = newFd(s, task, 'pidfd'); // O_CLOEXEC as pidfds
    return step;
  }],
  [10, (r, s, task) => {
    // Reads matter most where the offsets are not zero: half of them are made by such a task.
    const st = s.peek();
    const shifted = Object.entries(st.tasks).filter(([h, t]) => {
      const ns = t.timeNs === null ? undefined : st.timeNamespaces[String(t.timeNs)];
      return ns && (ns.monotonic !== '0' || ns.boottime !== '0') && t.state === 'running' && !s.sleeping.has(h);
    });
    const who = shifted.length > 0 && r.chance(0.5) ? r.pick(shifted)[0] : task;
    return { task: who, call: 'clock_gettime', clock: someClock(r), vdso: r.chance(0.6) };
  }],
  [1, (r, _s, task) => ({ task, call: 'clock_getres', clock: someClock(r), vdso: r.chance(0.5) })],
  [1, (r, _s, task, o) => {
    const clock = r.pick(ALL_CLOCKS.filter((c) => !o.kernelSafe || (c !== 'CLOCK_REALTIME' && c !== 0)));
    return { task, call: 'clock_settime', clock, sec: String(r.chance(0.1) ? -1 : r.int(0, 2_000_000_000)), nsec: r.chance(0.1) ? 1_000_000_000 : r.int(0, 999_999_999) };
  }],
  [2, (_r, _s, task) => ({ task, call: 'read_uptime' })],
  [1, (_r, _s, task) => ({ task, call: 'sysinfo' })],
  [1, (_r, _s, task) => ({ task, call: 'read_btime' })],
  [2, (r, _s, task) => ({ task, call: 'setuid', uid: r.pick([0, 65534, 65534, 1000]) })],
  [2, (r, _s, task) => ({ task, call: 'drop_caps', caps: CAP_NAMES.filter(() => r.chance(0.3)) as CapName[] })],
  [3, (_r, _s, task) => ({ task, call: 'map_root' })],
  [1, (_r, _s, task) => ({ task, call: 'sysctl_read' })],
  [2, (r, _s, task) => ({ task, call: 'sysctl_write', value: r.pick([0, 1, 1, 2, 3, -1, INT_MAX]) })],
  [2, (r, s, task) => {
    if (lastStanding(s, task) && r.chance(0.9)) return { task, call: 'read_uptime' };
    gone(s, task);
    return r.chance(0.5) ? { task, call: 'exit' } : { task, call: 'exit', code: exitCode(r) };
  }],
  [1, (r, s, task) => {
    if (lastStanding(s, task) && r.chance(0.9)) return { task, call: 'sysinfo' };
    for (const t of siblings(s, task)) gone(s, t);
    return r.chance(0.5) ? { task, call: 'exit_group' } : { task, call: 'exit_group', code: exitCode(r) };
  }],
  [2, (r, s, task) => {
    const child = r.chance(0.7) ? someChild(r, s, task) : someTask(r, s);
    if (r.chance(0.4)) return { task, call: 'wait', child };
    const options = r.pick<WaitOptionName[]>([[], [], ['__WCLONE'], ['__WALL'], ['__WCLONE', '__WALL']]);
    return { task, call: 'wait', child, syscall: r.pick(['wait4', 'waitid'] as const), options };
  }],
  [2, (r) => ({ host: 'advance', ns: String(r.pick([1_000, 1_000_000, 1_000_000_000, 3_600_000_000_000])) })],
  [1, (r, _s, _t, o) => (o.kernelSafe ? { host: 'advance', ns: '1000000' } : { host: 'suspend', ns: String(r.pick([1_000_000_000, 86_400_000_000_000])) })],
];
