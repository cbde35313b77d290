// The optimised implementation's public face: createImpl builds a kernel instance with task t0 and
// dispatches each step to the syscall it names. Everything else lives in the file of its concern.
import { kernelFeatures } from './features.ts';
import {
  CLONE_FLAGS, CSIGNAL, INT_MAX, SEEK_WHENCE, SIGCHLD, WAIT_OPTIONS, NSEC_PER_SEC, isHostEvent, type Backend, type BackendFactory, type CloneFlagName, type Environment, type Errno,
  type HostClocks, type Observation, type Step, type TaskHandle, type TaskStep, type WaitOptionName,
} from '../vocab/index.ts';
import { buildAbstract, writeAbstract } from './abstract.ts';
import {
  clockGetres, clockGettime, clockId, clockSettime, gettimeofday, procStatStarttime, readBtime, readUptime, sysTime, sysTimes, sysinfoUptime,
} from './clocks.ts';
import { capMask, type Cred } from './cred.ts';
import { sysExecve } from './exec.ts';
import { doExit, doGroupExit, sysWait } from './exit.ts';
import { allocFile, closeFd, fdInstall, fdInstallUnnamed } from './files.ts';
import { copyProcess, THREAD_FLAGS } from './fork.ts';
import { sysFutexWait } from './futex.ts';
import { hrtimerCpuBase } from './hrtimer.ts';
import { Ida } from './ida.ts';
import { sysClockNanosleep, sysNanosleep } from './nanosleep.ts';
import { nsIoctl, nsOpen, nsReadlink, pidfdOpen } from './nsfs.ts';
import { sysSetns } from './nsproxy.ts';
import { sysSigwait, sysTimerCreate, sysTimerDelete, sysTimerGetoverrun, sysTimerGettime, sysTimerSettime } from './posix_timers.ts';
import { procWritePermitted, timensOffsetsShow, timensOffsetsWrite } from './proc_timens.ts';
import { seqLseek, seqOpen, seqReadIter } from './seq_file.ts';
import { findTaskByHandle, handlePid, type Kernel, type MmStruct, type Task, type ThreadGroup } from './sched.ts';
import { sysDropCaps, sysMapRoot, sysPrctl, sysSetresuid } from './sys.ts';
import { sysctlRead, sysctlWrite } from './sysctl.ts';
import { signalTask } from './signal.ts';
import { timekeepingAdvance, timekeepingSetRealtime } from './timekeeping.ts';
import { sysTimerfdCreate, sysTimerfdGettime, sysTimerfdSettime, timerfdRead } from './timerfd.ts';
import { initTimeNs } from './time_namespace.ts';
import { sysUnshare } from './unshare.ts';
import { getUserNs, initUserNs } from './user_namespace.ts';
import { createHostPage, cvdsoClockGettime, updateVsyscall } from './vdso.ts';

export interface ImplBackend extends Backend {
  /** The vDSO read alone, for the benchmark: 0 or -errno, out[0] = sec, out[1] = nsec. Allocates
   *  nothing; falls back to the syscall path for clocks the vDSO does not serve. */
  vdsoClockGettime(task: TaskHandle, clockId: number, out: Float64Array): number;
  /** The vDSO read as the task itself makes it, for the benchmark: a reader bound to the task (the
   *  kernel's `current`), so each read goes task -> mm -> [vvar] with no handle lookup. null for a
   *  missing task. */
  vdsoReader(task: TaskHandle): ((clockId: number, out: Float64Array) => number) | null;
}

const EINVAL = 22;
const ESRCH = 3;

function flagBits(names: readonly CloneFlagName[]): number {
  let f = 0;
  for (const n of names) f |= CLONE_FLAGS[n];
  return f;
}

function zeroHost(): HostClocks {
  return { realtime: 0n, monotonic: 0n, monotonicRaw: 0n, boottime: 0n, tai: 0n, realtimeCoarse: 0n, monotonicCoarse: 0n, cputime: 0n, idle: 0n, bootRealtime: 0n, clockTicks: 0n };
}

function bootKernel(env: Environment): Kernel {
  const userNs = initUserNs(env.maxTimeNamespaces);
  const timeNs = initTimeNs(userNs);
  const host = zeroHost();
  const k: Kernel = {
    env, features: kernelFeatures(env), ida: new Ida(), initUserNs: userNs, initTimeNs: timeNs, timeNamespaces: new Map(), userNamespaces: new Map(),
    pidHash: new Map(), tasks: new Map(), lastPid: new Map(), nextPid: 1, unnamedFds: 0, host, vdsoData: createHostPage(env.tickNs),
    hrtimers: hrtimerCpuBase(), started: false, completions: [], posixTimers: new Map(), timerfds: new Map(), cancelList: new Set(),
  };
  const caps = capMask(env.caps);
  // An unprivileged start: the creator (outside the program, holding the namespace for good) ran
  // unshare(CLONE_NEWUSER), wrote "deny" to setgroups and mapped 0 to its own uid and gid.
  const start = env.userNamespace;
  let startNs = userNs;
  if (start !== undefined) {
    startNs = {
      inum: k.ida.alloc(), parent: getUserNs(userNs), level: 1, owner: env.uid, uidMap: env.uid, gidMap: start.gid,
      setgroupsDenied: true, parentCouldSetfcap: start.parentCouldSetfcap, maxTimeNamespaces: INT_MAX,
      timeCounts: new Map(), count: 1,
    };
    k.userNamespaces.set(startNs.inum, startNs);
  }
  const cred: Cred = {
    uid: env.uid, gid: start?.gid ?? 0, userNs: getUserNs(startNs), effective: caps, permitted: caps, bounding: caps, count: 1,
  };
  // The creator forked t0 without an exec: its mm was made in the initial user namespace.
  const mm: MmStruct = { users: new Set(), dumpable: true, userNs, vvar: k.vdsoData, timensSlot: null };
  timeNs.count += 2;
  const t0: Task = {
    handle: 't0', pid: k.nextPid++, group: null as unknown as ThreadGroup, state: 'running', cred,
    nsproxy: { timeNs, timeNsForChildren: timeNs, count: 1 }, mm, files: { count: 1, fds: new Map() }, vforkParent: null, userDumpable: true, waiting: null, exitSignal: SIGCHLD, exitCode: 0,
    startBoottime: env.startBoottime ?? 0n,
  };
  t0.group = { leader: t0, threads: new Set([t0]), live: 1, parent: null, children: new Set(), timers: new Set(), sigQueue: new Set(), groupExitCode: null, cutime: 0n, cstime: 0n };
  mm.users.add(t0);
  k.pidHash.set(t0.pid, t0);
  k.tasks.set('t0', t0);
  k.lastPid.set('t0', t0.pid);
  return k;
}

/** do_exit's status word: SYS_exit and SYS_exit_group pass (error_code & 0xff) << 8. */
function exitStatus(code: number): number {
  return (code & 0xff) << 8;
}

function waitOptions(names: readonly WaitOptionName[]): number {
  let o = WAIT_OPTIONS.WNOHANG;
  for (const n of names) o |= WAIT_OPTIONS[n];
  return o;
}

function res(r: Errno | null, ok: Observation = { ret: 0 }): Observation {
  return r === null ? ok : { err: r };
}

function taskStep(k: Kernel, me: Task, s: TaskStep, scratch: Float64Array): Observation {
  switch (s.call) {
    case 'fork': case 'vfork': case 'thread': case 'clone3': {
      let flags = 0;
      if (s.call === 'vfork') flags = CLONE_FLAGS.CLONE_VM | CLONE_FLAGS.CLONE_VFORK;
      else if (s.call === 'thread') flags = THREAD_FLAGS;
      else if (s.call === 'clone3') {
        flags = flagBits(s.flags);
        // clone3_args_valid(): CLONE_NEWTIME is a CSIGNAL bit, refused until a402f1e35313.
        if ((flags & CLONE_FLAGS.CLONE_NEWTIME) && !k.features.forkAllowCloneNewtimeInClone3) return { err: 'EINVAL' };
        if (flags & CLONE_FLAGS.CLONE_THREAD) flags |= THREAD_FLAGS & ~CLONE_FLAGS.CLONE_VM;
      }
      const child = copyProcess(k, me, flags, s.child);
      return typeof child === 'string' ? { err: child } : { ret: 0, handle: s.child };
    }
    case 'clone': {
      // SYSCALL_DEFINE5(clone): one word carries both; the CSIGNAL byte is the exit signal, unchecked.
      let word = (flagBits(s.flags) | s.exitSignal) >>> 0;
      if (word & CLONE_FLAGS.CLONE_THREAD) word |= THREAD_FLAGS & ~CLONE_FLAGS.CLONE_VM;
      const child = copyProcess(k, me, word & ~CSIGNAL, s.child, word & CSIGNAL);
      return typeof child === 'string' ? { err: child } : { ret: 0, handle: s.child };
    }
    case 'exec': return res(sysExecve(k, me, s.fail === true));
    case 'exit': doExit(k, me, exitStatus(s.code ?? 0)); return { ret: 0 };
    case 'exit_group': doGroupExit(k, me, exitStatus(s.code ?? 0)); return { ret: 0 };
    case 'wait': {
      const r = sysWait(k, me, findTaskByHandle(k, s.child), waitOptions(s.options ?? ['__WALL']));
      return typeof r === 'string' ? { err: r } : r === 0 ? { ret: 0 } : { ret: 1, status: r.status };
    }
    case 'unshare': return res(sysUnshare(k, me, flagBits(s.flags)));
    case 'setns': {
      const e = me.files!.fds.get(s.fd);
      if (e === undefined) return { err: 'EBADF' };
      return res(sysSetns(k, me, e.file, flagBits(s.nstype)));
    }
    case 'open': {
      const target = findTaskByHandle(k, s.target);
      if (target === undefined) return { err: 'ENOENT' };
      let file;
      if (s.file === 'timens_offsets') {
        const write = s.mode !== 'r';
        if (write && !procWritePermitted(me, target)) return { err: 'EACCES' };
        const pid = target.pid;
        const seq = seqOpen(() => timensOffsetsShow(k, pid));
        file = allocFile(me.cred, { kind: 'offsets', pid, target: s.target, read: s.mode !== 'w', write, seq });
      } else {
        file = nsOpen(me, target, s.file);
        if (typeof file === 'string') return { err: file };
      }
      fdInstall(k, me.files!, s.fd, file, false);
      return { ret: 0, handle: s.fd };
    }
    case 'pidfd_open': {
      const file = pidfdOpen(k, me, handlePid(k, s.target), s.target);
      if (typeof file === 'string') return { err: file };
      fdInstall(k, me.files!, s.fd, file, true);
      return { ret: 0, handle: s.fd };
    }
    case 'close': return closeFd(k, me.files!, s.fd) ? { ret: 0 } : { err: 'EBADF' };
    case 'read': {
      const e = me.files!.fds.get(s.fd);
      if (e === undefined) return { err: 'EBADF' };
      const f = e.file.f;
      const pread = s.pos === undefined || typeof s.pos === 'number';
      // ksys_pread64(): no FMODE_PREAD on a pidfd before pidfs.
      if (pread && f.kind === 'pidfd' && !k.features.pidfdOnPidfs) return { err: 'ESPIPE' };
      if (f.kind === 'timerfd') return timerfdRead(k, me, e.file, f.ctx);
      // nsfs files and pidfds have no read method.
      if (f.kind !== 'offsets') return { err: 'EINVAL' };
      if (!f.read) return { err: 'EBADF' };
      // pread reads at its own position; read(2) at f_pos, which it moves.
      const ppos = typeof s.pos === 'string' ? e.file : { pos: s.pos ?? 0 };
      const r = seqReadIter(f.seq, ppos, s.count ?? 4096);
      if (typeof r === 'string') return { err: r };
      return { ret: r.length, text: new TextDecoder().decode(r) };
    }
    case 'lseek': {
      const e = me.files!.fds.get(s.fd);
      if (e === undefined) return { err: 'EBADF' };
      const f = e.file.f;
      // timerfd_fops.llseek is noop_llseek (f_pos, never moved); nsfs and pidfs files have none.
      if (f.kind === 'timerfd') return { ret: e.file.pos };
      if (f.kind !== 'offsets') return { err: 'ESPIPE' };
      const r = seqLseek(f.seq, e.file, s.offset, SEEK_WHENCE[s.whence]);
      return typeof r === 'string' ? { err: r } : { ret: r };
    }
    case 'write': {
      const e = me.files!.fds.get(s.fd);
      if (e === undefined) return { err: 'EBADF' };
      const f = e.file.f;
      // ksys_pwrite64(): FMODE_PWRITE, which seq_open clears, and anon inodes (timerfd, pidfd before pidfs) lack.
      if (s.pos !== undefined && (f.kind === 'offsets' || f.kind === 'timerfd' || (f.kind === 'pidfd' && !k.features.pidfdOnPidfs))) return { err: 'ESPIPE' };
      // nsfs files are read-only.
      if (f.kind === 'nsfs') return { err: 'EBADF' };
      // A pidfd is O_RDWR without a write method; so is a timerfd.
      if (f.kind === 'pidfd' || f.kind === 'timerfd') return { err: 'EINVAL' };
      if (!f.write) return { err: 'EBADF' };
      const r = timensOffsetsWrite(k, e.file, f.pid, s.text, e.file.pos);
      return typeof r === 'string' ? { err: r } : { ret: r };
    }
    case 'ioctl': {
      const e = me.files!.fds.get(s.fd);
      if (e === undefined) return { err: 'EBADF' };
      const r = nsIoctl(me, e.file, s.request, k.features.pidfdUnknownIoctl);
      if (typeof r === 'string') return { err: r };
      if ('file' in r) {
        if (s.result === undefined) {
          fdInstallUnnamed(k, me.files!, r.file, true);
          return { ret: 0 };
        }
        fdInstall(k, me.files!, s.result, r.file, true);
        return { ret: 0, handle: s.result };
      }
      if ('uid' in r) return { ret: 0, uid: r.uid };
      return { ret: r.ret };
    }
    case 'readlink': {
      const target = findTaskByHandle(k, s.target);
      if (target === undefined) return { err: 'ENOENT' };
      const link = nsReadlink(me, target, s.link);
      if (link === 'EACCES' || link === 'ENOENT') return { err: link };
      return { ret: Buffer.byteLength(link), link };
    }
    case 'clock_gettime': {
      const t = clockGettime(k, me, clockId(s.clock), s.vdso, scratch);
      return typeof t === 'string' ? { err: t } : { ret: 0, time: t.toString() };
    }
    case 'prctl': {
      const r = sysPrctl(me, s.option === 'PR_GET_DUMPABLE' ? 3 : 4, s.option === 'PR_SET_DUMPABLE' ? s.arg : 0);
      return typeof r === 'string' ? { err: r } : { ret: r };
    }
    case 'gettimeofday': return { ret: 0, time: gettimeofday(k, me, s.vdso, scratch).toString() };
    case 'time': return { ret: 0, time: sysTime(k, me, s.vdso, scratch).toString() };
    case 'clock_getres': {
      const t = clockGetres(k, me, clockId(s.clock), s.vdso, scratch);
      return typeof t === 'string' ? { err: t } : { ret: 0, time: t.toString() };
    }
    case 'clock_settime': {
      const clk = clockId(s.clock);
      const err = clockSettime(k, me, clk, BigInt(s.sec), s.nsec);
      if (err !== null) return { err };
      // The wall clock jumps now; the harness moves its host clock after the step.
      timekeepingSetRealtime(k, BigInt(s.sec) * NSEC_PER_SEC + BigInt(s.nsec));
      return { ret: 0 };
    }
    case 'read_uptime': {
      const text = readUptime(k, me);
      return { ret: Buffer.byteLength(text), text };
    }
    case 'sysinfo': return { ret: 0, value: sysinfoUptime(k, me).toString() };
    case 'read_btime': return { ret: 0, value: readBtime(k, me).toString() };
    case 'read_starttime': {
      const target = findTaskByHandle(k, s.target);
      return target === undefined ? { err: 'ENOENT' } : { ret: 0, value: procStatStarttime(k, me, target).toString() };
    }
    case 'times': {
      const { ret, tms: [utime, stime, cutime, cstime] } = sysTimes(k, me);
      return { ret: Number(ret), tms: { utime: Number(utime), stime: Number(stime), cutime: Number(cutime), cstime: Number(cstime) } };
    }
    case 'setuid': return res(sysSetresuid(k, me, s.uid));
    case 'drop_caps': return res(sysDropCaps(k, me, s.caps));
    case 'map_root': return res(sysMapRoot(me));
    case 'sysctl_read': return { ret: 0, value: sysctlRead(me) };
    case 'sysctl_write': return res(sysctlWrite(me, s.value));
    case 'timer_create': {
      const err = sysTimerCreate(k, me, clockId(s.clock), s.notify, s.timer);
      return err === null ? { ret: 0, handle: s.timer } : { err };
    }
    case 'timer_settime': return sysTimerSettime(k, me, s.timer, s.abs, s.value, s.interval);
    case 'timer_gettime': return sysTimerGettime(k, me, s.timer);
    case 'timer_getoverrun': return sysTimerGetoverrun(k, me, s.timer);
    case 'timer_delete': return res(sysTimerDelete(k, me, s.timer));
    case 'sigwait': return sysSigwait(k, me);
    case 'timerfd_create': {
      const err = sysTimerfdCreate(k, me, clockId(s.clock), s.nonblock, s.fd);
      return err === null ? { ret: 0, handle: s.fd } : { err };
    }
    case 'timerfd_settime': return sysTimerfdSettime(k, me, s.fd, s.abs, s.cancelOnSet, s.value, s.interval);
    case 'timerfd_gettime': return sysTimerfdGettime(k, me, s.fd);
    case 'clock_nanosleep': return sysClockNanosleep(k, me, clockId(s.clock), s.abs, s.value);
    case 'nanosleep': return sysNanosleep(k, me, s.value);
    case 'futex_wait': return sysFutexWait(k, me, s.realtime, s.value);
  }
}

function dispatch(k: Kernel, step: Step, scratch: Float64Array): Observation {
  if (isHostEvent(step)) {
    if (step.host === 'signal') signalTask(k, k.tasks.get(step.task), step.handler);
    return { ret: 0 };
  }
  const me = k.tasks.get(step.task);
  if (me === undefined || me.state === 'exited') return { err: 'ESRCH' };
  if (me.state === 'blocked') return { blocked: true };
  return taskStep(k, me, step, scratch);
}

/** A read through the task's [vvar]; clocks without a vDSO path fall back to the syscall. */
function vdsoRead(k: Kernel, me: Task, clk: number, out: Float64Array): number {
  if (me.mm === null) return -ESRCH;
  if (cvdsoClockGettime(me.mm, clk, out) === 0) return 0;
  const t = clockGettime(k, me, clk, false, out);
  if (typeof t === 'string') return -EINVAL;
  out[0] = Number(t / 1_000_000_000n);
  out[1] = Number(t % 1_000_000_000n);
  return 0;
}

export const createImpl: BackendFactory = (env: Environment): ImplBackend => {
  const k = bootKernel(env);
  const scratch = new Float64Array(2);
  return {
    step(step: Step, host: HostClocks): Observation {
      k.completions = [];
      updateVsyscall(k, host);
      // Time passes before the step's own action (a settime event's jump is that action).
      timekeepingAdvance(k, host);
      const obs = dispatch(k, step, scratch);
      if (k.completions.length > 0) obs.completions = k.completions;
      return obs;
    },
    abstract() {
      return buildAbstract(k);
    },
    writeAbstract(w) {
      writeAbstract(k, w);
    },
    vdsoClockGettime(task: TaskHandle, clk: number, out: Float64Array): number {
      const me = k.tasks.get(task);
      if (me === undefined) return -ESRCH;
      return vdsoRead(k, me, clk, out);
    },
    vdsoReader(task: TaskHandle) {
      const me = k.tasks.get(task);
      if (me === undefined) return null;
      // The task, not its mm, is bound: an exec replaces the mm, and a read follows task.mm as
      // current->mm does.
      return (clk: number, out: Float64Array) => vdsoRead(k, me, clk, out);
    },
  };
};
