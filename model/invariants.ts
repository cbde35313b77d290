// Named invariants over the model state, each a standalone predicate that property tests can check
// after every step (FreezeMonotone relates two states and lives with the laws, not here). Each
// returns "" when it holds, else what is wrong.
import { kernelChanges } from './profile.ts';
import { PROC_TIME_INIT_INO, PROC_USER_INIT_INO } from '../vocab/index.ts';
import { allFdEntries, timeNsReferenced, userNsReferenced } from './lifetime.ts';
import { timerfdReferenced } from './timerfd.ts';
import type { ModelState, TimeNs, UserNs } from './state.ts';

export type Invariant = (s: ModelState) => string;

const isZero = (ns: TimeNs) =>
  ns.monotonic.sec === 0n && ns.monotonic.nsec === 0n && ns.boottime.sec === 0n && ns.boottime.nsec === 0n;

/** init_time_ns is inode 4026531834, zero offsets, frozen; init_user_ns is 4026531837. */
export const InitNsFrozen: Invariant = (s) => {
  const init = s.initTimeNs;
  if (init.inum !== PROC_TIME_INIT_INO || !isZero(init) || !init.frozen) return 'init_time_ns is not as booted';
  if (s.initUserNs.inum !== PROC_USER_INIT_INO || s.initUserNs.parent !== null) return 'init_user_ns is not as booted';
  return '';
};

/** Every live task has both time pointers and an mm, every exited one has none, and everything a
 *  task points to is a live namespace. */
export const TypeOK: Invariant = (s) => {
  for (const t of s.tasks) {
    const live = t.state !== 'exited';
    if (live !== (t.timeNs !== null) || live !== (t.timeNsForChildren !== null) || live !== (t.mm !== null)) {
      return `${t.handle}: state ${t.state} with time/tfc/mm ${t.timeNs?.inum}/${t.timeNsForChildren?.inum}/${t.mm?.id}`;
    }
    for (const ns of [t.timeNs, t.timeNsForChildren]) {
      if (ns && !s.timeNamespaces.includes(ns)) return `${t.handle} points to freed time ns ${ns.inum}`;
    }
    if (!s.userNamespaces.includes(t.creds.userNs)) return `${t.handle} has creds in freed user ns`;
    if (!s.processes.some((p) => p.tgid === t.tgid)) return `${t.handle} has no process`;
  }
  for (const p of s.processes) {
    if (s.tasks.filter((t) => t.pid === p.tgid).length !== 1) return `process ${p.tgid} has no single leader`;
  }
  for (const t of s.tasks.filter((x) => x.state === 'blocked')) {
    if (t.wait === null && !s.tasks.some((c) => c.vforkParent === t.handle && c.state !== 'exited')) return `${t.handle} blocked on nothing`;
  }
  return '';
};

/** A task in a blocking call is blocked, and is live; a timerfd it reads is a live one. */
export const WaitingIsBlocked: Invariant = (s) => {
  for (const t of s.tasks) {
    if (t.wait === null) continue;
    if (t.state !== 'blocked') return `${t.handle} waits in ${t.wait.call} but is ${t.state}`;
    if (t.wait.timerfd && !s.timers.includes(t.wait.timerfd)) return `${t.handle} reads a freed timerfd`;
  }
  return '';
};

/** POSIX timers belong to a process with live tasks; queued timer signals name live timers of their
 *  process; timerfds are held by an fd or a reader; nothing armed is already due. */
export const TimersLive: Invariant = (s) => {
  for (const k of s.timers) {
    if (k.kind === 'posix' && !s.tasks.some((t) => t.tgid === k.tgid && t.state !== 'exited')) return `timer ${k.handle} outlived its process`;
    if (k.kind === 'timerfd' && !timerfdReferenced(s, k)) return `timerfd ${k.handle} is unreferenced`;
  }
  for (const p of s.processes) {
    // Before 6.13 a deleted timer's queued signal stays queued until taken (model/profile.ts).
    const deadAllowed = !kernelChanges(s.env).staleTimerSignalsDropped;
    for (const k of p.sigqueue) {
      if ((!deadAllowed && !s.timers.includes(k)) || k.tgid !== p.tgid) return `process ${p.tgid} holds a signal of a dead timer`;
    }
  }
  const handles = s.timers.map((k) => k.handle);
  if (new Set(handles).size !== handles.length) return 'two live timers share a handle';
  return '';
};

/** Tasks sharing an mm read the same time namespace (the vDSO page is per mm). Not before 2b5f9dad32ed
 *  (model/profile.ts): there clone3(CLONE_NEWTIME|CLONE_VM) puts the child in the new namespace at birth
 *  while its parent stays where it was (measured on 6.1.192). */
export const MmSharesTime: Invariant = (s) => {
  if (!kernelChanges(s.env).execSwitchesTimens) return '';
  for (const a of s.tasks) {
    for (const b of s.tasks) {
      if (a.mm !== null && a.mm === b.mm && a.timeNs !== b.timeNs) return `${a.handle} and ${b.handle} share an mm, not a time ns`;
    }
  }
  return '';
};

/** Every namespace the model keeps is referenced by something; nothing referenced was freed. */
export const NoLeakedNamespaces: Invariant = (s) => {
  for (const ns of s.timeNamespaces) {
    if (ns !== s.initTimeNs && !timeNsReferenced(s, ns)) return `time ns ${ns.inum} is unreferenced`;
    if (!s.userNamespaces.includes(ns.owner)) return `time ns ${ns.inum} has a freed owner`;
  }
  for (const ns of s.userNamespaces) {
    if (ns !== s.initUserNs && ns !== s.startUserNs && !userNsReferenced(s, ns)) return `user ns ${ns.inum} is unreferenced`;
    if (ns.parent && !s.userNamespaces.includes(ns.parent)) return `user ns ${ns.inum} has a freed parent`;
  }
  for (const e of allFdEntries(s)) {
    if (e.file.kind === 'timens' && !s.timeNamespaces.includes(e.file.ns)) return `fd ${e.handle} holds a freed time ns`;
    if (e.file.kind === 'userns' && !s.userNamespaces.includes(e.file.ns)) return `fd ${e.handle} holds a freed user ns`;
  }
  const inums = [...s.timeNamespaces, ...s.userNamespaces].map((ns) => ns.inum);
  if (new Set(inums).size !== inums.length) return 'two live namespaces share an inode number';
  return '';
};

/** The UCOUNT_TIME_NAMESPACES counts equal the charges of the live time namespaces. */
export const RefcountsMatch: Invariant = (s) => {
  const expected = new Map<UserNs, Record<string, number>>();
  for (const ns of s.timeNamespaces) {
    for (const { ns: u, kuid } of ns.charges) {
      const rec = expected.get(u) ?? {};
      rec[kuid] = (rec[kuid] ?? 0) + 1;
      expected.set(u, rec);
    }
  }
  for (const u of s.userNamespaces) {
    const want = expected.get(u) ?? {};
    const keys = new Set([...Object.keys(want), ...Object.keys(u.timeNamespaces)]);
    for (const k of keys) {
      if ((want[k] ?? 0) !== (u.timeNamespaces[k] ?? 0)) return `user ns ${u.inum} counts ${u.timeNamespaces[k]} for ${k}, charged ${want[k]}`;
    }
  }
  return '';
};

export const INVARIANTS: Record<string, Invariant> = {
  TypeOK, InitNsFrozen, MmSharesTime, NoLeakedNamespaces, RefcountsMatch, WaitingIsBlocked, TimersLive,
};

/** "Name: what is wrong" for every invariant that does not hold. */
export function checkInvariants(s: ModelState): string[] {
  return Object.entries(INVARIANTS).flatMap(([name, inv]) => {
    const why = inv(s);
    return why ? [`${name}: ${why}`] : [];
  });
}
