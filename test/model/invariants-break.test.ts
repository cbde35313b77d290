// Each invariant of model/invariants.ts must notice a state that breaks what its comment states: a sound
// state built by the model's own calls, then one thing broken by hand at a time. A check that says
// nothing about a broken state would let the properties pass over a broken model.
import { describe, expect, it } from 'vitest';
import {
  InitNsFrozen, MmSharesTime, NoLeakedNamespaces, RefcountsMatch, TimersLive, TypeOK, WaitingIsBlocked,
  checkInvariants, type Invariant,
} from '../../model/invariants.ts';
import { initialState, type ModelState, type PosixTimer, type Task, type TimerFd, type Wait } from '../../model/state.ts';
import { kernelClone, sysExitGroup, FORK_FLAGS, THREAD_FLAGS, VFORK_FLAGS } from '../../model/tasks.ts';
import { sysUnshare } from '../../model/namespaces.ts';
import { sysTimerCreate } from '../../model/timers.ts';
import { sysTimerfdCreate } from '../../model/timerfd.ts';
import { releaseUnreferenced } from '../../model/lifetime.ts';
import { environment, hostClocks } from './run.ts';

/** t0 with a thread t1 and a child process t2 in a new user and time namespace; a POSIX timer k0 and a
 *  timerfd f0 of t0's process. */
function sound(kernel?: '6.1'): ModelState {
  const s = initialState(environment(kernel ? { kernel } : {}));
  // The host clocks of a step, as the model's step() sets them: a clone notes its start time there.
  s.now = hostClocks();
  const t0 = s.tasks[0];
  expect(kernelClone(s, t0, 't1', THREAD_FLAGS).ret).toBe(0);
  expect(kernelClone(s, t0, 't2', FORK_FLAGS).ret).toBe(0);
  const t2 = s.tasks.find((t) => t.handle === 't2')!;
  expect(sysUnshare(s, t2, ['CLONE_NEWUSER', 'CLONE_NEWTIME']).ret).toBe(0);
  expect(sysTimerCreate(s, t0, 'CLOCK_MONOTONIC', 'signal', 'k0').ret).toBe(0);
  expect(sysTimerfdCreate(s, t0, 'CLOCK_MONOTONIC', false, 'f0').ret).toBe(0);
  releaseUnreferenced(s);
  expect(checkInvariants(s)).toEqual([]);
  return s;
}

const task = (s: ModelState, h: string): Task => s.tasks.find((t) => t.handle === h)!;
const posix = (s: ModelState): PosixTimer => s.timers.find((k): k is PosixTimer => k.kind === 'posix')!;
const timerfd = (s: ModelState): TimerFd => s.timers.find((k): k is TimerFd => k.kind === 'timerfd')!;
const childTime = (s: ModelState) => s.timeNamespaces[1];
const childUser = (s: ModelState) => s.userNamespaces[1];
const waitFor = (timerfd: TimerFd | null): Wait =>
  ({ call: 'read', clock: 1, base: null, expires: null, relative: false, requested: 0n, timerfd, armSeq: 99 });

/** The invariant reports the broken state (a non-empty reason), and checkInvariants names it. */
function breaks(inv: Invariant, name: string, breakIt: (s: ModelState) => void, kernel?: '6.1'): void {
  const s = sound(kernel);
  breakIt(s);
  expect(inv(s)).not.toBe('');
  expect(checkInvariants(s).some((m) => m.startsWith(`${name}: `) && m.length > name.length + 2)).toBe(true);
}

it('a task blocked in a call or by a vfork child breaks nothing', () => {
  const s = sound();
  const t2 = task(s, 't2');
  t2.state = 'blocked';
  t2.wait = { ...waitFor(null), call: 'clock_nanosleep', base: 'monotonic', expires: 1n << 60n };
  expect(kernelClone(s, task(s, 't0'), 't3', VFORK_FLAGS).ret).toBe(0);
  expect(task(s, 't0').state).toBe('blocked');
  expect(checkInvariants(s)).toEqual([]);
});

it('with every task gone, the initial namespaces (and an unprivileged start\'s own) stay, unreferenced', () => {
  for (const env of [environment(), environment({ uid: 65534, userNamespace: { gid: 65534, parentCouldSetfcap: false } })]) {
    const s = initialState(env);
    expect(sysExitGroup(s, s.tasks[0], 0).ret).toBe(0);
    releaseUnreferenced(s);
    expect(s.tasks).toEqual([]);
    expect(s.userNamespaces.length).toBe(env.userNamespace ? 2 : 1);
    expect(checkInvariants(s)).toEqual([]);
  }
});

describe('every invariant notices what breaks it', () => {
  it('InitNsFrozen', () => {
    const inv = InitNsFrozen;
    breaks(inv, 'InitNsFrozen', (s) => { s.initTimeNs.frozen = false; });
    breaks(inv, 'InitNsFrozen', (s) => { s.initTimeNs.inum = 1; });
    breaks(inv, 'InitNsFrozen', (s) => { s.initTimeNs.monotonic = { sec: 1n, nsec: 0n }; });
    breaks(inv, 'InitNsFrozen', (s) => { s.initTimeNs.monotonic = { sec: 0n, nsec: 1n }; });
    breaks(inv, 'InitNsFrozen', (s) => { s.initTimeNs.boottime = { sec: 1n, nsec: 0n }; });
    breaks(inv, 'InitNsFrozen', (s) => { s.initTimeNs.boottime = { sec: 0n, nsec: 1n }; });
    breaks(inv, 'InitNsFrozen', (s) => { s.initUserNs.inum = 1; });
    breaks(inv, 'InitNsFrozen', (s) => { s.initUserNs.parent = childUser(s); });
  });

  it('TypeOK', () => {
    const inv = TypeOK;
    breaks(inv, 'TypeOK', (s) => { task(s, 't2').timeNs = null; });
    breaks(inv, 'TypeOK', (s) => { task(s, 't2').timeNsForChildren = null; });
    breaks(inv, 'TypeOK', (s) => { task(s, 't2').mm = null; });
    breaks(inv, 'TypeOK', (s) => { task(s, 't2').state = 'exited'; });
    breaks(inv, 'TypeOK', (s) => { s.timeNamespaces = s.timeNamespaces.filter((ns) => ns !== childTime(s)); task(s, 't2').timeNs = childTime(s) ?? task(s, 't2').timeNsForChildren; });
    breaks(inv, 'TypeOK', (s) => { const ns = childTime(s); s.timeNamespaces = [s.initTimeNs]; task(s, 't2').timeNsForChildren = ns; });
    breaks(inv, 'TypeOK', (s) => { const ns = childTime(s); s.timeNamespaces = [s.initTimeNs]; task(s, 't2').timeNs = ns; task(s, 't2').timeNsForChildren = s.initTimeNs; });
    breaks(inv, 'TypeOK', (s) => { s.userNamespaces = [s.initUserNs]; });
    breaks(inv, 'TypeOK', (s) => { s.processes = s.processes.filter((p) => p.tgid !== task(s, 't2').tgid); });
    breaks(inv, 'TypeOK', (s) => { task(s, 't1').pid = task(s, 't1').tgid; });
    breaks(inv, 'TypeOK', (s) => { task(s, 't2').pid = 999; });
    breaks(inv, 'TypeOK', (s) => { task(s, 't2').state = 'blocked'; });
    // A vfork parent still blocked after its child exited: the zombie child no longer holds it.
    breaks(inv, 'TypeOK', (s) => {
      const t0 = task(s, 't0');
      expect(kernelClone(s, t0, 't3', VFORK_FLAGS).ret).toBe(0);
      const t3 = task(s, 't3');
      expect(sysExitGroup(s, t3, 0).ret).toBe(0);
      t3.vforkParent = 't0';
      t0.state = 'blocked';
    });
  });

  it('WaitingIsBlocked', () => {
    const inv = WaitingIsBlocked;
    breaks(inv, 'WaitingIsBlocked', (s) => { task(s, 't2').wait = waitFor(null); });
    breaks(inv, 'WaitingIsBlocked', (s) => {
      const t = task(s, 't2');
      t.state = 'blocked';
      t.wait = waitFor({ ...timerfd(s) });
    });
  });

  it('TimersLive', () => {
    const inv = TimersLive;
    breaks(inv, 'TimersLive', (s) => { posix(s).tgid = 99; });
    breaks(inv, 'TimersLive', (s) => { for (const t of s.tasks) if (t.tgid === posix(s).tgid) { t.state = 'exited'; } });
    breaks(inv, 'TimersLive', (s) => { s.processes[0].fds = []; });
    breaks(inv, 'TimersLive', (s) => { s.processes[0].sigqueue.push({ ...posix(s) }); });
    breaks(inv, 'TimersLive', (s) => { const k = posix(s); s.processes[1].sigqueue.push(k); });
    breaks(inv, 'TimersLive', (s) => { posix(s).handle = timerfd(s).handle; });
    // Before 6.13 a deleted timer's signal may stay queued, but not in another process's queue.
    const old = sound('6.1');
    old.processes[0].sigqueue.push({ ...posix(old) });
    expect(TimersLive(old)).toBe('');
    breaks(inv, 'TimersLive', (s) => { s.processes[1].sigqueue.push({ ...posix(s) }); }, '6.1');
  });

  it('MmSharesTime', () => {
    breaks(MmSharesTime, 'MmSharesTime', (s) => { task(s, 't1').timeNs = childTime(s); });
    // Tasks without an mm share no vDSO page: that state is TypeOK's to report, not this one's.
    const noMm = sound();
    task(noMm, 't1').mm = null;
    task(noMm, 't2').mm = null;
    task(noMm, 't2').timeNs = childTime(noMm);
    expect(MmSharesTime(noMm)).toBe('');
    // Not an invariant before 6.2.
    const old = sound('6.1');
    task(old, 't1').timeNs = childTime(old);
    expect(MmSharesTime(old)).toBe('');
  });

  it('NoLeakedNamespaces', () => {
    const inv = NoLeakedNamespaces;
    breaks(inv, 'NoLeakedNamespaces', (s) => { task(s, 't2').timeNsForChildren = task(s, 't2').timeNs; });
    breaks(inv, 'NoLeakedNamespaces', (s) => { s.userNamespaces = [s.initUserNs]; });
    breaks(inv, 'NoLeakedNamespaces', (s) => { s.userNamespaces = [s.initUserNs, childUser(s)]; childTime(s).owner = { ...childUser(s) }; });
    breaks(inv, 'NoLeakedNamespaces', (s) => { s.userNamespaces.push({ ...childUser(s), inum: 4026532999 }); });
    breaks(inv, 'NoLeakedNamespaces', (s) => {
      const u = { ...childUser(s), inum: 4026532999, parent: { ...childUser(s) } };
      s.userNamespaces.push(u);
      s.processes[0].fds!.push({ handle: 'f9', file: { kind: 'userns', ns: u }, cloexec: false });
    });
    breaks(inv, 'NoLeakedNamespaces', (s) => { s.processes[0].fds!.push({ handle: 'f9', file: { kind: 'timens', ns: { ...childTime(s) } }, cloexec: false }); });
    breaks(inv, 'NoLeakedNamespaces', (s) => { s.processes[0].fds!.push({ handle: 'f9', file: { kind: 'userns', ns: { ...childUser(s) } }, cloexec: false }); });
    breaks(inv, 'NoLeakedNamespaces', (s) => { childTime(s).inum = childUser(s).inum; });
  });

  it('RefcountsMatch', () => {
    const inv = RefcountsMatch;
    breaks(inv, 'RefcountsMatch', (s) => { childUser(s).timeNamespaces[0] = 2; });
    breaks(inv, 'RefcountsMatch', (s) => { childUser(s).timeNamespaces[7] = 1; });
    breaks(inv, 'RefcountsMatch', (s) => { childTime(s).charges = []; });
  });
});
