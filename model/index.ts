// The reference model of Linux time namespaces: createModel() gives a Backend that executes one
// program step at a time. This file only dispatches; each call lives with its concern.
import {
  CLOCKS, NSEC_PER_SEC, isHostEvent,
  type Backend, type BackendFactory, type Choices, type Environment, type HostClocks, type Observation, type Step, type TaskStep,
} from '../vocab/index.ts';
import { abstractState, writeAbstract } from './abstract.ts';
import { sysClockGetres, sysClockGettime, sysClockSettime, sysGettimeofday, sysTime, sysTimes } from './clocks.ts';
import { sysClose, sysLseek, sysOpen, sysPidfdOpen, sysRead, sysWrite } from './files.ts';
import { sysDropCaps, sysMapRoot, sysPrctlDumpable, sysSetuid } from './ids.ts';
import { clockWasSet, hostSignal, passTime } from './hosttime.ts';
import { checkInvariants } from './invariants.ts';
import { clockId } from './ktime.ts';
import { releaseUnreferenced } from './lifetime.ts';
import { sysIoctl, sysReadlink, sysSetns, sysUnshare } from './namespaces.ts';
import { readBtime, readStarttime, readUptime, sysctlRead, sysctlWrite, sysSysinfo } from './procfs.ts';
import { sysClockNanosleep, sysFutexWait, sysNanosleep } from './sleep.ts';
import { sysTimerfdCreate, sysTimerfdGettime, sysTimerfdSettime } from './timerfd.ts';
import {
  sysSigwait, sysTimerCreate, sysTimerDelete, sysTimerGetoverrun, sysTimerGettime, sysTimerSettime,
} from './timers.ts';
import { initialState, nsToNanos, taskByHandle, taskByPath, type ModelState, type Task } from './state.ts';
import {
  FORK_FLAGS, THREAD_FLAGS, VFORK_FLAGS, clone3Flags, kernelClone, sysClone, sysClone3, sysExec, sysExit, sysExitGroup, sysWait,
} from './tasks.ts';

export { INVARIANTS } from './invariants.ts';
export type { ModelState } from './state.ts';

/** A read-only, JSON-friendly view of the model state for law tests. */
export interface ModelView {
  tasks: {
    handle: string; pid: number; tgid: number; state: Task['state'];
    timeNs: number | null; timeNsForChildren: number | null; userNs: number; uid: number; euid: number;
    dumpable: boolean | null;
  }[];
  timeNamespaces: { inum: number; owner: number; monotonic: bigint; boottime: bigint; frozen: boolean }[];
  userNamespaces: { inum: number; parent: number | null; level: number; owner: number; maxTimeNamespaces: number }[];
}

export interface ModelBackend extends Backend {
  /** "Name: reason" for each invariant of model/invariants.ts that does not hold now. */
  checkInvariants(): string[];
  inspect(): ModelView;
}

function runTaskStep(s: ModelState, t: Task, step: TaskStep, host: HostClocks): Observation {
  switch (step.call) {
    case 'fork': return kernelClone(s, t, step.child, FORK_FLAGS);
    case 'vfork': return kernelClone(s, t, step.child, VFORK_FLAGS);
    case 'thread': return kernelClone(s, t, step.child, THREAD_FLAGS);
    case 'clone3': return sysClone3(s, t, step.child, clone3Flags(step.flags));
    case 'clone': return sysClone(s, t, step.child, clone3Flags(step.flags), step.exitSignal);
    case 'exec': return sysExec(s, t, step.fail ?? false);
    case 'exit': return sysExit(s, t, step.code ?? 0);
    case 'exit_group': return sysExitGroup(s, t, step.code ?? 0);
    case 'wait': return sysWait(s, t, step.child, step.options ?? ['__WALL']);
    case 'unshare': return sysUnshare(s, t, step.flags);
    case 'setns': return sysSetns(s, t, step.fd, step.nstype);
    case 'open': return sysOpen(s, t, step.target, step.file, step.mode, step.fd);
    case 'pidfd_open': return sysPidfdOpen(s, t, step.target, step.fd);
    case 'close': return sysClose(s, t, step.fd);
    case 'read': return sysRead(s, t, step.fd, step.count ?? 4096, step.pos ?? 0, host);
    case 'write': return sysWrite(s, t, step.fd, step.text, step.pos, host);
    case 'lseek': return sysLseek(s, t, step.fd, step.offset, step.whence);
    case 'ioctl': return sysIoctl(s, t, step.fd, step.request, step.result);
    case 'readlink': {
      const target = taskByPath(s, step.target);
      return target ? sysReadlink(t, target, step.link) : { err: 'ENOENT' };
    }
    case 'clock_gettime': return sysClockGettime(s, t, step.clock, host);
    case 'clock_getres': return sysClockGetres(s, t, step.clock);
    case 'gettimeofday': return sysGettimeofday(host);
    case 'time': return sysTime(host);
    case 'clock_settime': return sysClockSettime(s, t, step.clock, step.sec, step.nsec, host);
    case 'read_uptime': return readUptime(t, host);
    case 'sysinfo': return sysSysinfo(t, host);
    case 'read_btime': return readBtime(t, host);
    case 'read_starttime': {
      const target = taskByPath(s, step.target);
      return target ? readStarttime(t, target) : { err: 'ENOENT' };
    }
    case 'times': return sysTimes(host);
    case 'setuid': return sysSetuid(t, step.uid);
    case 'drop_caps': return sysDropCaps(t, step.caps);
    case 'prctl': return sysPrctlDumpable(t, step.option === 'PR_SET_DUMPABLE' ? step.arg : undefined);
    case 'map_root': return sysMapRoot(s, t);
    case 'sysctl_read': return sysctlRead(t);
    case 'sysctl_write': return sysctlWrite(t, step.value);
    case 'timer_create': return sysTimerCreate(s, t, step.clock, step.notify, step.timer);
    case 'timer_settime': return sysTimerSettime(s, t, step.timer, step.abs, step.value, step.interval, host);
    case 'timer_gettime': return sysTimerGettime(s, t, step.timer, host);
    case 'timer_getoverrun': return sysTimerGetoverrun(s, t, step.timer);
    case 'timer_delete': return sysTimerDelete(s, t, step.timer);
    case 'sigwait': return sysSigwait(s, t, host);
    case 'timerfd_create': return sysTimerfdCreate(s, t, step.clock, step.nonblock, step.fd);
    case 'timerfd_settime':
      return sysTimerfdSettime(s, t, step.fd, step.abs, step.cancelOnSet, step.value, step.interval, host);
    case 'timerfd_gettime': return sysTimerfdGettime(s, t, step.fd, host);
    case 'clock_nanosleep': return sysClockNanosleep(s, t, step.clock, step.abs, step.value, host);
    case 'nanosleep': return sysNanosleep(s, t, step.value, host);
    case 'futex_wait': return sysFutexWait(s, t, step.realtime, step.value, host);
  }
}

// One step's own action. Host clocks are the harness's; the model only sees them reach its timers.
function runStep(s: ModelState, step: Step, host: HostClocks): Observation {
  if (isHostEvent(step)) {
    if (step.host === 'settime') clockWasSet(s, BigInt(step.realtime));
    if (step.host === 'signal') hostSignal(s, step.task, step.handler);
    return { ret: 0 };
  }
  const t = taskByHandle(s, step.task);
  if (!t || t.state === 'exited') return { err: 'ESRCH' };
  if (t.state === 'blocked') return { blocked: true };
  const obs = runTaskStep(s, t, step, host);
  if (step.call === 'clock_settime' && obs.ret === 0 && clockId(step.clock) === CLOCKS.CLOCK_REALTIME) {
    clockWasSet(s, BigInt(step.sec) * NSEC_PER_SEC + BigInt(step.nsec));
  }
  return obs;
}

function view(s: ModelState): ModelView {
  return {
    tasks: s.tasks.map((t) => ({
      handle: t.handle, pid: t.pid, tgid: t.tgid, state: t.state,
      timeNs: t.timeNs?.inum ?? null, timeNsForChildren: t.timeNsForChildren?.inum ?? null,
      userNs: t.creds.userNs.inum, uid: t.creds.uid, euid: t.creds.euid, dumpable: t.mm?.dumpable ?? null,
    })),
    timeNamespaces: s.timeNamespaces.map((ns) => ({
      inum: ns.inum, owner: ns.owner.inum, monotonic: nsToNanos(ns.monotonic), boottime: nsToNanos(ns.boottime), frozen: ns.frozen,
    })),
    userNamespaces: s.userNamespaces.map((ns) => ({
      inum: ns.inum, parent: ns.parent?.inum ?? null, level: ns.level, owner: ns.owner, maxTimeNamespaces: ns.maxTimeNamespaces,
    })),
  };
}

export function createModelBackend(env: Environment, choices?: Choices): ModelBackend {
  const s = initialState(env, choices);
  return {
    step(step: Step, host: HostClocks): Observation {
      s.completions = [];
      passTime(s, host); // time passes before the step's own action
      const obs = runStep(s, step, host);
      releaseUnreferenced(s);
      return s.completions.length > 0 ? { ...obs, completions: s.completions } : obs;
    },
    abstract: () => abstractState(s),
    writeAbstract: (w) => writeAbstract(s, w),
    checkInvariants: () => checkInvariants(s),
    inspect: () => view(s),
  };
}

export const createModel: BackendFactory = createModelBackend;
