// The model's state in the shared vocabulary (vocab/observation.ts, AbstractState), written piece by
// piece in canonical order (AbstractWriter): only live objects, namespaces keyed by inode number,
// entries in ascending order, lists sorted. abstractState() builds the objects from the same writing,
// so what is compared and what is shown are one thing.
import { kernelChanges } from './profile.ts';
import {
  CAP_NAMES, INT_MAX, capsOfMask,
  type AbstractState, type AbstractWriter, type CapName, type TaskHandle,
} from '../vocab/index.ts';
import { nsToNanos, type FdEntry, type File, type Mm, type ModelState, type Process, type Task, type Timer } from './state.ts';

/** The number of a handle: the digits after its letter. */
function handleNumber(h: string): number {
  let n = 0;
  for (let i = 1; i < h.length; i++) n = n * 10 + h.charCodeAt(i) - 48;
  return n;
}
// Timer handles of one letter by number; POSIX timers and timerfds ("f...") apart.
const byTimerHandle = (a: string, b: string) => (a[0] === b[0] ? handleNumber(a) - handleNumber(b) : a < b ? -1 : 1);

/** items in the order `before` gives: the list itself when already so (the usual case), else a sorted copy. */
function inOrder<T>(items: readonly T[], before: (a: T, b: T) => number): readonly T[] {
  for (let i = 1; i < items.length; i++) if (before(items[i - 1], items[i]) > 0) return [...items].sort(before);
  return items;
}
const byHandle = <T extends { handle: string }>(a: T, b: T) => handleNumber(a.handle) - handleNumber(b.handle);
const byInum = <T extends { inum: number }>(a: T, b: T) => a.inum - b.inum;

/** A capability set as AbstractWriter.caps takes it: bit i for CAP_NAMES[i]. */
const CAP_BIT = new Map(CAP_NAMES.map((c, i) => [c, 1 << i]));
function capMask(caps: readonly CapName[]): number {
  let mask = 0;
  for (const c of caps) mask |= CAP_BIT.get(c)!;
  return mask;
}

/** What a writing looks up again and again, found once per writing: processes and leaders by tgid,
 *  each process's mm (that of its first task with one), and each mm's vm (the smallest handle of the
 *  live tasks sharing it). */
interface Index {
  process: Map<number, Process>;
  leader: Map<number, TaskHandle>;
  mm: Map<number, Mm>;
  vm: Map<Mm, TaskHandle>;
}

function indexOf(s: ModelState): Index {
  // The first of each, as a find() from the front would give.
  const process = new Map<number, Process>();
  for (const p of s.processes) if (!process.has(p.tgid)) process.set(p.tgid, p);
  const leader = new Map<number, TaskHandle>();
  const mm = new Map<number, Mm>();
  const vm = new Map<Mm, TaskHandle>();
  for (const t of s.tasks) {
    if (t.pid === t.tgid && !leader.has(t.tgid)) leader.set(t.tgid, t.handle);
    if (t.mm === null) continue;
    if (!mm.has(t.tgid)) mm.set(t.tgid, t.mm);
    if (t.state === 'exited') continue;
    const best = vm.get(t.mm);
    if (best === undefined || handleNumber(t.handle) < handleNumber(best)) vm.set(t.mm, t.handle);
  }
  return { process, leader, mm, vm };
}

function leaderHandle(ix: Index, tgid: number): TaskHandle {
  const leader = ix.leader.get(tgid);
  if (leader === undefined) throw new Error(`process ${tgid} has no leader`);
  return leader;
}

function writeTask(ix: Index, t: Task, w: AbstractWriter): void {
  const p = ix.process.get(t.tgid)!;
  w.open(t.handle);
  w.put('state', t.state);
  w.put('leader', leaderHandle(ix, t.tgid));
  w.put('parent', p.parent === null ? null : leaderHandle(ix, p.parent));
  w.put('vm', t.mm === null ? null : ix.vm.get(t.mm) ?? null);
  w.put('timeNs', t.timeNs?.inum ?? null);
  w.put('timeNsForChildren', t.timeNsForChildren?.inum ?? null);
  w.put('userNs', t.creds.userNs.inum);
  w.put('euid', t.creds.euid);
  w.caps('caps', capMask(t.creds.effective));
  if (t.wait) {
    w.open('waiting');
    w.put('call', t.wait.call);
    w.put('clock', t.wait.clock);
    w.put('expires', t.wait.expires);
    w.close();
  }
  w.close();
}

// A POSIX timer shows an expiry while its hrtimer is queued (SIGEV_NONE ones: once armed with a value,
// as their hrtimer keeps it); a timerfd while its hrtimer is queued.
function writeTimer(s: ModelState, ix: Index, k: Timer, w: AbstractWriter): void {
  w.open(k.handle);
  if (k.kind === 'timerfd') {
    w.put('kind', 'timerfd');
    w.put('owner', null);
    w.put('clock', k.clock);
    w.put('expires', k.active ? k.hrExpires : null);
    w.put('interval', k.interval);
    w.put('ticks', k.ticks);
    w.put('cancelOnSet', k.mightCancel);
    w.put('canceled', k.canceled);
  } else {
    const shown = k.notify === 'none' ? k.noneArmed : k.status === 'armed';
    const p = ix.process.get(k.tgid);
    w.put('kind', 'posix');
    w.put('owner', leaderHandle(ix, k.tgid));
    w.put('clock', k.clock);
    w.put('expires', shown ? k.hrExpires : null);
    w.put('interval', k.interval);
    w.put('notify', k.notify);
    // Whether a signal of it will be taken: before 6.13 a stale one is taken too (model/profile.ts).
    const stillCounts = k.signalSeq === k.sigqueueSeq || !kernelChanges(s.env).staleTimerSignalsDropped;
    w.put('signalQueued', (p?.sigqueue.includes(k) ?? false) && stillCounts);
    w.put('overrun', k.overrunLast > BigInt(INT_MAX) ? INT_MAX : Number(k.overrunLast));
  }
  w.close();
}

function writeFd(handle: string, f: File, w: AbstractWriter): void {
  w.open(handle);
  switch (f.kind) {
    case 'timens': w.put('kind', 'nsfs'); w.put('ns', f.ns.inum); break;
    case 'userns': w.put('kind', 'nsfs'); w.put('ns', f.ns.inum); break;
    case 'timerfd': w.put('kind', 'timerfd'); w.put('timer', f.ctx.handle); break;
    case 'offsets': w.put('kind', 'offsets'); w.put('target', f.target); w.put('mode', f.mode); break;
    case 'pidfd': w.put('kind', 'pidfd'); w.put('target', f.target); break;
  }
  w.close();
}

/** Whether the named entries of an fd table come in strictly ascending handle order: each handle once. */
function namedInOrder(fds: readonly FdEntry[]): boolean {
  let last = -1;
  for (const e of fds) {
    if (e.handle === null) continue;
    const n = handleNumber(e.handle);
    if (n <= last) return false;
    last = n;
  }
  return true;
}

function writeProcess(ix: Index, handle: TaskHandle, p: Process, w: AbstractWriter): void {
  w.open(handle);
  w.open('fds');
  if (namedInOrder(p.fds!)) {
    for (const e of p.fds!) if (e.handle !== null) writeFd(e.handle, e.file, w);
  } else {
    // A rebound handle names its last fd, as fdLookup resolves it.
    const last = new Map<string, File>();
    for (const e of p.fds!) if (e.handle !== null) last.set(e.handle, e.file);
    for (const h of [...last.keys()].sort((a, b) => handleNumber(a) - handleNumber(b))) writeFd(h, last.get(h)!, w);
  }
  w.close();
  w.put('dumpable', ix.mm.get(p.tgid)?.dumpable ?? false);
  w.close();
}

export function writeAbstract(s: ModelState, w: AbstractWriter): void {
  const ix = indexOf(s);
  w.open('tasks');
  for (const t of inOrder(s.tasks, byHandle)) writeTask(ix, t, w);
  w.close();

  w.open('timers');
  for (const k of inOrder(s.timers, (a, b) => byTimerHandle(a.handle, b.handle))) writeTimer(s, ix, k, w);
  w.close();

  w.open('processes');
  const withFds = s.processes.filter((p) => p.fds !== null).map((p) => ({ handle: leaderHandle(ix, p.tgid), p }));
  for (const { handle, p } of inOrder(withFds, byHandle)) writeProcess(ix, handle, p, w);
  w.close();

  w.open('timeNamespaces');
  for (const ns of inOrder(s.timeNamespaces, byInum)) {
    w.open(ns.inum);
    w.put('owner', ns.owner.inum);
    w.put('monotonic', nsToNanos(ns.monotonic));
    w.put('boottime', nsToNanos(ns.boottime));
    w.put('frozen', ns.frozen);
    w.close();
  }
  w.close();

  w.open('userNamespaces');
  for (const ns of inOrder(s.userNamespaces, byInum)) {
    w.open(ns.inum);
    w.put('parent', ns.parent?.inum ?? null);
    w.put('owner', ns.owner);
    // init_user_ns has its identity maps from boot.
    w.put('mapped', ns.parent === null || (ns.uidMap !== null && ns.gidMapped));
    w.put('maxTimeNamespaces', ns.maxTimeNamespaces);
    w.open('timeNamespaces');
    for (const k of inOrder(Object.keys(ns.timeNamespaces), (a, b) => Number(a) - Number(b))) {
      if (ns.timeNamespaces[k] !== 0) w.put(Number(k), ns.timeNamespaces[k]);
    }
    w.close();
    w.close();
  }
  w.close();
}

/** The plain objects of AbstractState, built from what writeAbstract writes (Nanos as decimal strings). */
export function abstractState(s: ModelState): AbstractState {
  const root: Record<string, unknown> = {};
  const open: Record<string, unknown>[] = [root];
  writeAbstract(s, {
    open(key) { const o = {}; open[open.length - 1][key] = o; open.push(o); },
    close() { open.pop(); },
    put(key, value) { open[open.length - 1][key] = typeof value === 'bigint' ? String(value) : value; },
    caps(key, mask) { open[open.length - 1][key] = capsOfMask(mask); },
  });
  return root as unknown as AbstractState;
}
