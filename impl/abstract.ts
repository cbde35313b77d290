// abstract(): the kernel objects seen through the shared vocabulary. Live objects only: reaped tasks
// and freed namespaces are gone from the maps they would be read from.
import type { AbstractFd, AbstractProcess, AbstractState, AbstractTask, AbstractTimeNs, AbstractTimer, AbstractUserNs } from '../vocab/index.ts';
import { BASE_CPU } from './hrtimer.ts';
import { posixTimerAbstract } from './posix_timers.ts';
import { timerfdAbstract } from './timerfd.ts';
import { isNamedFd } from './files.ts';
import { capNames } from './cred.ts';
import { handleNumber, type Kernel, type Task } from './sched.ts';
import { timespecToNs } from './time_namespace.ts';

function vmOf(t: Task): string | null {
  if (t.mm === null) return null;
  let best: string | null = null;
  for (const u of t.mm.users) {
    if (u.state === 'exited') continue;
    if (best === null || handleNumber(u.handle) < handleNumber(best)) best = u.handle;
  }
  return best;
}

function sortedRecord<T>(entries: Array<[string, T]>, byNumber: boolean): Record<string, T> {
  entries.sort((a, b) => (byNumber ? Number(a[0].slice(1)) - Number(b[0].slice(1)) : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return Object.fromEntries(entries);
}

export function buildAbstract(k: Kernel): AbstractState {
  const tasks: Array<[string, AbstractTask]> = [];
  const processes: Array<[string, AbstractProcess]> = [];
  const seenGroups = new Set<object>();
  for (const t of k.pidHash.values()) {
    const g = t.group;
    const w = t.waiting;
    const task: AbstractTask = {
      state: t.state,
      leader: g.leader.handle,
      parent: g.parent === null ? null : g.parent.leader.handle,
      vm: vmOf(t),
      timeNs: t.nsproxy === null ? null : t.nsproxy.timeNs.inum,
      timeNsForChildren: t.nsproxy === null ? null : t.nsproxy.timeNsForChildren.inum,
      userNs: t.cred.userNs.inum,
      euid: t.cred.uid,
      caps: capNames(t.cred.effective),
    };
    if (w !== null) {
      const s = w.sleeper;
      task.waiting = { call: w.call, clock: w.clock, expires: s === null || s.base === BASE_CPU ? null : s.expires.toString() };
    }
    tasks.push([t.handle, task]);
    if (seenGroups.has(g)) continue;
    seenGroups.add(g);
    let live: Task | undefined;
    for (const m of g.threads) if (m.files !== null) { live = m; break; }
    if (live === undefined) continue;
    const fds: Array<[string, AbstractFd]> = [];
    for (const [h, e] of live.files!.fds) {
      if (!isNamedFd(h)) continue; // out of the program's reach, as in the model
      const f = e.file.f;
      if (f.kind === 'nsfs') fds.push([h, { kind: 'nsfs', ns: f.time !== null ? f.time.inum : f.user!.inum }]);
      else if (f.kind === 'pidfd') fds.push([h, { kind: 'pidfd', target: f.target }]);
      else if (f.kind === 'timerfd') fds.push([h, { kind: 'timerfd', timer: f.ctx.handle }]);
      else fds.push([h, { kind: 'offsets', target: f.target, mode: f.read && f.write ? 'rw' : f.write ? 'w' : 'r' }]);
    }
    processes.push([g.leader.handle, { fds: sortedRecord(fds, true), dumpable: live.mm!.dumpable }]);
  }
  const timeNamespaces: Array<[string, AbstractTimeNs]> = [];
  for (const ns of [k.initTimeNs, ...k.timeNamespaces.values()]) {
    timeNamespaces.push([String(ns.inum), {
      owner: ns.owner.inum,
      monotonic: timespecToNs(ns.monotonic).toString(),
      boottime: timespecToNs(ns.boottime).toString(),
      frozen: ns.frozenOffsets,
    }]);
  }
  const userNamespaces: Array<[string, AbstractUserNs]> = [];
  for (const ns of [k.initUserNs, ...k.userNamespaces.values()]) {
    const counts: Array<[string, number]> = [];
    for (const [uid, n] of ns.timeCounts) if (n > 0) counts.push([String(uid), n]);
    userNamespaces.push([String(ns.inum), {
      parent: ns.parent === null ? null : ns.parent.inum,
      owner: ns.owner,
      mapped: ns.uidMap !== null && ns.gidMap !== null,
      maxTimeNamespaces: ns.maxTimeNamespaces,
      timeNamespaces: sortedRecord(counts, false),
    }]);
  }
  const timers: Array<[string, AbstractTimer]> = [];
  for (const [h, t] of k.posixTimers) timers.push([h, posixTimerAbstract(t)]);
  for (const [h, ctx] of k.timerfds) timers.push([h, timerfdAbstract(ctx)]);
  return {
    tasks: sortedRecord(tasks, true),
    timers: sortedRecord(timers, false),
    processes: sortedRecord(processes, true),
    timeNamespaces: sortedRecord(timeNamespaces, false),
    userNamespaces: sortedRecord(userNamespaces, false),
  };
}
