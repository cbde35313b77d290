// The model's state in the shared vocabulary (vocab/observation.ts, AbstractState): only live
// objects, namespaces keyed by inode number, record keys in ascending order, lists sorted.
import {
  INT_MAX,
  type AbstractFd, type AbstractProcess, type AbstractState, type AbstractTask, type AbstractTimeNs,
  type AbstractTimer, type AbstractUserNs, type FdHandle, type TaskHandle,
} from '../vocab/index.ts';
import { nsToNanos, taskByPid, type File, type ModelState, type Process, type Task, type Timer } from './state.ts';

const handleNumber = (h: string) => Number(h.slice(1));
const byHandle = (a: string, b: string) => handleNumber(a) - handleNumber(b);

function leaderHandle(s: ModelState, tgid: number): TaskHandle {
  const leader = taskByPid(s, tgid);
  if (!leader) throw new Error(`process ${tgid} has no leader`);
  return leader.handle;
}

function abstractTask(s: ModelState, t: Task): AbstractTask {
  const p = s.processes.find((x) => x.tgid === t.tgid)!;
  const vmUsers = t.mm ? s.tasks.filter((o) => o.state !== 'exited' && o.mm === t.mm).map((o) => o.handle) : [];
  return {
    state: t.state,
    leader: leaderHandle(s, t.tgid),
    parent: p.parent === null ? null : leaderHandle(s, p.parent),
    vm: vmUsers.length ? vmUsers.sort(byHandle)[0] : null,
    timeNs: t.timeNs?.inum ?? null,
    timeNsForChildren: t.timeNsForChildren?.inum ?? null,
    userNs: t.creds.userNs.inum,
    euid: t.creds.euid,
    caps: [...t.creds.effective].sort(),
    ...(t.wait ? { waiting: { call: t.wait.call, clock: t.wait.clock, expires: t.wait.expires === null ? null : String(t.wait.expires) } } : {}),
  };
}

// A POSIX timer shows an expiry while its hrtimer is queued (SIGEV_NONE ones: once armed with a value,
// as their hrtimer keeps it); a timerfd while its hrtimer is queued.
function abstractTimer(s: ModelState, k: Timer): AbstractTimer {
  if (k.kind === 'timerfd') {
    return {
      kind: 'timerfd', owner: null, clock: k.clock, expires: k.active ? String(k.hrExpires) : null,
      interval: String(k.interval), ticks: String(k.ticks), cancelOnSet: k.mightCancel, canceled: k.canceled,
    };
  }
  const shown = k.notify === 'none' ? k.noneArmed : k.status === 'armed';
  const p = s.processes.find((x) => x.tgid === k.tgid);
  return {
    kind: 'posix', owner: leaderHandle(s, k.tgid), clock: k.clock, expires: shown ? String(k.hrExpires) : null,
    interval: String(k.interval), notify: k.notify, signalQueued: (p?.sigqueue.includes(k) ?? false) && k.signalSeq === k.sigqueueSeq,
    overrun: k.overrunLast > BigInt(INT_MAX) ? INT_MAX : Number(k.overrunLast),
  };
}

function abstractFd(f: File): AbstractFd {
  switch (f.kind) {
    case 'timens': return { kind: 'nsfs', ns: f.ns.inum };
    case 'userns': return { kind: 'nsfs', ns: f.ns.inum };
    case 'offsets': return { kind: 'offsets', target: f.target, mode: f.mode };
    case 'pidfd': return { kind: 'pidfd', target: f.target };
    case 'timerfd': return { kind: 'timerfd', timer: f.ctx.handle };
  }
}

function abstractProcess(s: ModelState, p: Process): AbstractProcess {
  const fds: Record<FdHandle, AbstractFd> = {};
  const named = p.fds!.filter((e) => e.handle !== null);
  // A rebound handle names its last fd, as fdLookup resolves it.
  const last = new Map(named.map((e) => [e.handle!, e.file] as const));
  for (const h of [...last.keys()].sort(byHandle)) fds[h] = abstractFd(last.get(h)!);
  const live = s.tasks.find((t) => t.tgid === p.tgid && t.mm !== null);
  return { fds, dumpable: live?.mm?.dumpable ?? false };
}

export function abstractState(s: ModelState): AbstractState {
  const tasks: Record<TaskHandle, AbstractTask> = {};
  for (const t of [...s.tasks].sort((a, b) => byHandle(a.handle, b.handle))) tasks[t.handle] = abstractTask(s, t);
  const processes: Record<TaskHandle, AbstractProcess> = {};
  const withFds = s.processes.filter((p) => p.fds !== null).map((p) => [leaderHandle(s, p.tgid), p] as const);
  for (const [h, p] of withFds.sort((a, b) => byHandle(a[0], b[0]))) processes[h] = abstractProcess(s, p);
  const timeNamespaces: Record<string, AbstractTimeNs> = {};
  for (const ns of [...s.timeNamespaces].sort((a, b) => a.inum - b.inum)) {
    timeNamespaces[String(ns.inum)] = {
      owner: ns.owner.inum,
      monotonic: String(nsToNanos(ns.monotonic)),
      boottime: String(nsToNanos(ns.boottime)),
      frozen: ns.frozen,
    };
  }
  const userNamespaces: Record<string, AbstractUserNs> = {};
  for (const ns of [...s.userNamespaces].sort((a, b) => a.inum - b.inum)) {
    const counts: Record<string, number> = {};
    for (const k of Object.keys(ns.timeNamespaces).sort((a, b) => Number(a) - Number(b))) {
      if (ns.timeNamespaces[k] !== 0) counts[k] = ns.timeNamespaces[k];
    }
    userNamespaces[String(ns.inum)] = {
      parent: ns.parent?.inum ?? null,
      owner: ns.owner,
      // init_user_ns has its identity maps from boot.
      mapped: ns.parent === null || (ns.uidMap !== null && ns.gidMapped),
      maxTimeNamespaces: ns.maxTimeNamespaces,
      timeNamespaces: counts,
    };
  }
  const timers: AbstractState['timers'] = {};
  const timerOrder = (a: Timer, b: Timer) => a.handle[0] === b.handle[0] ? byHandle(a.handle, b.handle) : a.handle < b.handle ? -1 : 1;
  for (const k of [...s.timers].sort(timerOrder)) timers[k.handle] = abstractTimer(s, k);
  return { tasks, timers, processes, timeNamespaces, userNamespaces };
}
