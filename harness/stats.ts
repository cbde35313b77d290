// Counting what actually ran: fast-check's own statistics see only what was generated, not what the
// steps did. Counts are per call and outcome, and per state the system was in after the step.
import { isHostEvent, PROC_TIME_INIT_INO } from '../vocab/index.ts';
import type { AbstractState, Observation, ProgramStep } from '../vocab/index.ts';

export interface Stats {
  programs: number;
  steps: number;
  /** call (or "host:advance") -> outcome ("ok", "blocked" or an errno name) -> count. */
  outcomes: Record<string, Record<string, number>>;
  /** State feature -> number of steps after which it held. */
  states: Record<string, number>;
}

export function newStats(): Stats {
  return { programs: 0, steps: 0, outcomes: {}, states: {} };
}

export function outcomeOf(obs: Observation): string {
  return obs.err ?? (obs.blocked ? 'blocked' : obs.pending ? 'pending' : obs.unresolved ? 'unresolved' : 'ok');
}

function bump(table: Record<string, number>, key: string, by = 1): void {
  table[key] = (table[key] ?? 0) + by;
}

export function countStep(stats: Stats, step: ProgramStep, obs: Observation): void {
  stats.steps++;
  const name = isHostEvent(step) ? `host:${step.host}` : step.call;
  bump((stats.outcomes[name] ??= {}), outcomeOf(obs));
  // A blocking call's outcome arrives later: count it under its own call, marked as completed.
  for (const c of obs.completions ?? []) bump((stats.outcomes[c.call] ??= {}), `${c.err ?? 'ok'} (completed)`);
}

/** The features of a state that show generation reached deep places. */
export function stateFeatures(s: AbstractState): string[] {
  const f: string[] = [];
  const tasks = Object.values(s.tasks);
  const live = tasks.filter((t) => t.state !== 'exited');
  const members = new Set(live.flatMap((t) => [t.timeNs, t.timeNsForChildren]));
  if (live.some((t) => t.timeNs !== t.timeNsForChildren)) f.push('task with pending time_for_children');
  if (live.some((t) => t.timeNs !== PROC_TIME_INIT_INO)) f.push('task in a non-initial time namespace');
  if (live.some((t) => t.state === 'blocked')) f.push('vfork parent blocked');
  if (tasks.some((t) => t.state === 'exited')) f.push('exited task not yet reaped');
  const leaders = new Map<string, number>();
  for (const t of live) leaders.set(t.leader, (leaders.get(t.leader) ?? 0) + 1);
  if ([...leaders.values()].some((n) => n > 1)) f.push('multi-threaded process');
  const vms = new Map<string, Set<string>>();
  for (const t of live) if (t.vm) (vms.get(t.vm) ?? vms.set(t.vm, new Set()).get(t.vm)!).add(t.leader);
  if ([...vms.values()].some((l) => l.size > 1)) f.push('mm shared by two processes');
  const ns = Object.entries(s.timeNamespaces).filter(([k]) => Number(k) !== PROC_TIME_INIT_INO);
  if (ns.some(([, n]) => !n.frozen)) f.push('unfrozen time namespace');
  if (ns.some(([, n]) => n.frozen)) f.push('frozen non-initial time namespace');
  if (ns.some(([, n]) => n.monotonic !== '0' || n.boottime !== '0')) f.push('time namespace with non-zero offsets');
  if (ns.some(([, n]) => n.monotonic.startsWith('-') || n.boottime.startsWith('-'))) f.push('time namespace with a negative offset');
  if (ns.some(([k]) => !members.has(Number(k)))) f.push('time namespace held only by an fd');
  if (ns.length >= 3) f.push('three or more time namespaces');
  const depth = (k: string): number => {
    const p = s.userNamespaces[k]?.parent;
    return p === null || p === undefined ? 0 : 1 + depth(String(p));
  };
  const depths = Object.keys(s.userNamespaces).map(depth);
  if (depths.some((d) => d >= 1)) f.push('user namespace');
  if (depths.some((d) => d >= 2)) f.push('nested user namespace (depth 2+)');
  if (live.some((t) => t.caps.length === 0)) f.push('task without capabilities');
  if (live.some((t) => t.euid !== 0)) f.push('task with non-root euid');
  for (const p of Object.values(s.processes)) {
    for (const fd of Object.values(p.fds)) {
      if ((fd.kind === 'offsets' || fd.kind === 'pidfd') && !(fd.target in s.tasks)) f.push('fd outliving its target task');
    }
  }
  const timers = Object.values(s.timers ?? {});
  if (timers.some((t) => t.expires !== null)) f.push('armed timer');
  if (timers.some((t) => t.expires !== null && t.interval !== '0')) f.push('armed periodic timer');
  if (timers.filter((t) => t.expires !== null).length >= 3) f.push('three or more armed timers');
  if (timers.some((t) => t.signalQueued)) f.push('timer signal queued');
  if (timers.some((t) => (t.overrun ?? 0) > 0)) f.push('timer with overruns');
  if (timers.some((t) => t.ticks !== undefined && t.ticks !== '0')) f.push('timerfd with unread expirations');
  if (timers.some((t) => t.canceled)) f.push('timerfd canceled by a clock set');
  if (live.some((t) => t.waiting)) f.push('task blocked in a sleep or wait');
  if (live.filter((t) => t.waiting).length >= 2) f.push('two or more tasks blocked at once');
  return [...new Set(f)];
}

export function countState(stats: Stats, s: AbstractState): void {
  for (const feature of stateFeatures(s)) bump(stats.states, feature);
}

export function mergeStats(into: Stats, from: Stats): void {
  into.programs += from.programs;
  into.steps += from.steps;
  for (const [call, table] of Object.entries(from.outcomes)) {
    for (const [k, n] of Object.entries(table)) bump((into.outcomes[call] ??= {}), k, n);
  }
  for (const [k, n] of Object.entries(from.states)) bump(into.states, k, n);
}

/** A plain-text table of the statistics, sorted so two runs print alike. */
export function formatStats(stats: Stats): string {
  const lines = [`programs: ${stats.programs}   steps: ${stats.steps}`, '', 'outcomes by call:'];
  for (const call of Object.keys(stats.outcomes).sort()) {
    const t = stats.outcomes[call];
    const total = Object.values(t).reduce((a, b) => a + b, 0);
    const parts = Object.keys(t).sort().map((k) => `${k} ${t[k]}`);
    lines.push(`  ${call.padEnd(16)} ${String(total).padStart(8)}   ${parts.join(', ')}`);
  }
  const errnos: Record<string, number> = {};
  for (const t of Object.values(stats.outcomes)) for (const [k, n] of Object.entries(t)) if (/^E/.test(k)) bump(errnos, k, n);
  lines.push('', `errnos reached: ${Object.keys(errnos).sort().map((k) => `${k} ${errnos[k]}`).join(', ') || 'none'}`);
  lines.push('', 'states reached (steps after which each held):');
  for (const k of Object.keys(stats.states).sort()) lines.push(`  ${k.padEnd(44)} ${stats.states[k]}`);
  return lines.join('\n');
}
