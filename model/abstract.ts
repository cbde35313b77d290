// The model's state in the shared vocabulary (vocab/observation.ts, AbstractState): only live
// objects, namespaces keyed by inode number, record keys in ascending order, lists sorted.
import type {
  AbstractFd, AbstractProcess, AbstractState, AbstractTask, AbstractTimeNs, AbstractUserNs, FdHandle, TaskHandle,
} from '../vocab/index.ts';
import { nsToNanos, taskByPid, type File, type ModelState, type Process, type Task } from './state.ts';

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
  };
}

function abstractFd(f: File): AbstractFd {
  switch (f.kind) {
    case 'timens': return { kind: 'nsfs', ns: f.ns.inum };
    case 'userns': return { kind: 'nsfs', ns: f.ns.inum };
    case 'offsets': return { kind: 'offsets', target: f.target, mode: f.mode };
    case 'pidfd': return { kind: 'pidfd', target: f.target };
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
  return { tasks, processes, timeNamespaces, userNamespaces };
}
