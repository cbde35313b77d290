// abstract(): the kernel objects seen through the shared vocabulary, written in canonical order
// (vocab AbstractWriter). Live objects only: reaped tasks and freed namespaces are gone from the maps
// they would be read from. buildAbstract() builds the objects from the same writing.
//
// Optimisations, each against the cost it removes (this runs after every compared step):
// - Written, not built: no record objects, entry arrays, Object.fromEntries or bigint-to-string per
//   step; the comparison reads the values as they are written.
// - Maps are walked in their own order (pid order, creation order) and sorted only when that order is
//   not ascending, which a program that binds handles in order never needs: a sort per map per step.
// - Capability sets are written as the mask the cred holds (its bits are the vocabulary's): no names,
//   no array, one token per task.
// - Namespace inode numbers and kuids are written as numbers: no decimal string per namespace per step.
import { capsOfMask, type AbstractState, type AbstractWriter } from '../vocab/index.ts';
import { BASE_CPU } from './hrtimer.ts';
import { posixTimerWrite, type KItimer } from './posix_timers.ts';
import { timerfdWrite, type TimerfdCtx } from './timerfd.ts';
import { isNamedFd } from './files.ts';
import { handleNumber, type Kernel, type Task, type ThreadGroup } from './sched.ts';
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

/** items in ascending key order: as they come when they already are (the usual case), else sorted. */
function ascending<T>(items: T[], key: (x: T) => number): T[] {
  for (let i = 1; i < items.length; i++) {
    if (key(items[i - 1]) > key(items[i])) return items.sort((a, b) => key(a) - key(b));
  }
  return items;
}
const byTask = (t: Task) => handleNumber(t.handle);
const byLeader = (g: ThreadGroup) => handleNumber(g.leader.handle);
const byNumber = (x: number) => x;
const byInum = (ns: { inum: number }) => ns.inum;

function writeTask(t: Task, w: AbstractWriter): void {
  const g = t.group;
  const ns = t.nsproxy;
  w.open(t.handle);
  w.put('state', t.state);
  w.put('leader', g.leader.handle);
  w.put('parent', g.parent === null ? null : g.parent.leader.handle);
  w.put('vm', vmOf(t));
  w.put('timeNs', ns === null ? null : ns.timeNs.inum);
  w.put('timeNsForChildren', ns === null ? null : ns.timeNsForChildren.inum);
  w.put('userNs', t.cred.userNs.inum);
  w.put('euid', t.cred.uid);
  w.caps('caps', t.cred.effective);
  const wt = t.waiting;
  if (wt !== null) {
    const s = wt.sleeper;
    w.open('waiting');
    w.put('call', wt.call);
    w.put('clock', wt.clock);
    w.put('expires', s === null || s.base === BASE_CPU ? null : s.expires);
    w.close();
  }
  w.close();
}

function writeProcess(g: ThreadGroup, w: AbstractWriter): void {
  let live: Task | undefined;
  for (const m of g.threads) if (m.files !== null) { live = m; break; }
  if (live === undefined) return;
  w.open(g.leader.handle);
  w.open('fds');
  // fds no handle names (an ioctl without `result`) are out of the program's reach, as in the model.
  const handles = ascending([...live.files!.fds.keys()].filter(isNamedFd), handleNumber);
  for (const h of handles) {
    const f = live.files!.fds.get(h)!.file.f;
    w.open(h);
    if (f.kind === 'nsfs') { w.put('kind', 'nsfs'); w.put('ns', f.time !== null ? f.time.inum : f.user!.inum); }
    else if (f.kind === 'timerfd') { w.put('kind', 'timerfd'); w.put('timer', f.ctx.handle); }
    else if (f.kind === 'offsets') { w.put('kind', 'offsets'); w.put('target', f.target); w.put('mode', f.read && f.write ? 'rw' : f.write ? 'w' : 'r'); }
    else { w.put('kind', 'pidfd'); w.put('target', f.target); }
    w.close();
  }
  w.close();
  w.put('dumpable', live.mm!.dumpable);
  w.close();
}

export function writeAbstract(k: Kernel, w: AbstractWriter): void {
  const tasks = ascending([...k.pidHash.values()], byTask);
  w.open('tasks');
  for (const t of tasks) writeTask(t, w);
  w.close();

  // Timer handles of one letter by number: timerfds ("f...") before POSIX timers ("k...").
  w.open('timers');
  for (const ctx of ascending<TimerfdCtx>([...k.timerfds.values()], (c) => handleNumber(c.handle))) timerfdWrite(ctx, w);
  for (const t of ascending<KItimer>([...k.posixTimers.values()], (x) => handleNumber(x.handle))) posixTimerWrite(t, w);
  w.close();

  w.open('processes');
  const groups = new Set<ThreadGroup>();
  for (const t of tasks) groups.add(t.group);
  for (const g of ascending([...groups], byLeader)) writeProcess(g, w);
  w.close();

  w.open('timeNamespaces');
  for (const ns of ascending([k.initTimeNs, ...k.timeNamespaces.values()], byInum)) {
    w.open(ns.inum);
    w.put('owner', ns.owner.inum);
    w.put('monotonic', timespecToNs(ns.monotonic));
    w.put('boottime', timespecToNs(ns.boottime));
    w.put('frozen', ns.frozenOffsets);
    w.close();
  }
  w.close();

  w.open('userNamespaces');
  for (const ns of ascending([k.initUserNs, ...k.userNamespaces.values()], byInum)) {
    w.open(ns.inum);
    w.put('parent', ns.parent === null ? null : ns.parent.inum);
    w.put('owner', ns.owner);
    w.put('mapped', ns.uidMap !== null && ns.gidMap !== null);
    w.put('maxTimeNamespaces', ns.maxTimeNamespaces);
    w.open('timeNamespaces');
    for (const uid of ascending([...ns.timeCounts.keys()], byNumber)) {
      const n = ns.timeCounts.get(uid)!;
      if (n > 0) w.put(uid, n);
    }
    w.close();
    w.close();
  }
  w.close();
}

/** The plain objects of AbstractState, built from what writeAbstract writes (Nanos as decimal strings). */
export function buildAbstract(k: Kernel): AbstractState {
  const root: Record<string, unknown> = {};
  const open: Record<string, unknown>[] = [root];
  writeAbstract(k, {
    open(key) { const o = {}; open[open.length - 1][key] = o; open.push(o); },
    close() { open.pop(); },
    put(key, value) { open[open.length - 1][key] = typeof value === 'bigint' ? String(value) : value; },
    caps(key, mask) { open[open.length - 1][key] = capsOfMask(mask); },
  });
  return root as unknown as AbstractState;
}
