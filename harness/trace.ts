// Printing traces for people: one line per step, the two sides side by side, the first difference marked.
import type { Observation, Step } from '../vocab/index.ts';
import type { DifferentialResult } from './run.ts';

export function describeStep(s: Step): string {
  if ('host' in s) {
    if (s.host === 'settime') return `host settime realtime=${s.realtime}`;
    if (s.host === 'signal') return `host signal ${s.task}${s.handler ? ' (handler)' : ' (stop+cont)'}`;
    return `host ${s.host} ${s.ns}ns`;
  }
  const { task, call, ...args } = s as Step & { task: string; call: string };
  const parts = Object.entries(args).map(([k, v]) =>
    k === 'text' ? JSON.stringify(v) : Array.isArray(v) ? `${k}=[${v.join('|')}]`
    : typeof v === 'object' && v !== null && 'sec' in v ? `${k}=${(v as { sec: string }).sec}s+${(v as { nsec: number }).nsec}ns`
    : `${k}=${v}`);
  return `${task} ${call} ${parts.join(' ')}`.trimEnd();
}

export function describeObservation(o: Observation | { crash: string } | unknown): string {
  if (o === null || typeof o !== 'object') return String(o);
  if ('crash' in o) return `CRASH ${String((o as { crash: string }).crash).split('\n')[0]}`;
  const ob = o as Observation;
  if (ob.blocked) return 'blocked';
  if (ob.err && !ob.completions) return ob.err;
  if (ob.pending) return 'pending';
  const extra = Object.entries(ob).filter(([k]) => k !== 'ret' && k !== 'completions').map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  for (const c of ob.completions ?? []) extra.push(`[${c.task} ${c.call} -> ${c.err ?? `ret ${c.ret}`}${c.time ? ` time=${c.time}` : ''}${c.value ? ` value=${c.value}` : ''}]`);
  return [`ret ${ob.ret}`, ...extra].join(' ');
}

function cut(s: string, width: number): string {
  return s.length > width ? `${s.slice(0, width - 1)}…` : s.padEnd(width);
}

/** The whole run, side by side, up to and including the first divergence. */
export function formatSideBySide(r: DifferentialResult, names: [string, string]): string {
  const lines = [`  #  ${cut('step', 54)} ${cut(names[0], 34)} ${names[1]}`];
  for (const e of r.trace) {
    lines.push(`${String(e.index).padStart(3)}  ${cut(describeStep(e.step), 54)} ${cut(describeObservation(e.left), 34)} ${describeObservation(e.right)}`);
  }
  const d = r.divergence;
  if (d) {
    lines.push(`>${String(d.index).padStart(2)}  ${cut(describeStep(d.step), 54)} ${cut(describeObservation(d.left), 34)} ${describeObservation(d.right)}`);
    lines.push('');
    if (d.kind === 'state') lines.push(`first difference: step ${d.index}: the states differ after it, ${d.stateDiff}`);
    else if (d.kind === 'check') lines.push(`first difference: step ${d.index}: the check after it failed: ${d.stateDiff}`);
    else if (d.kind === 'crash') lines.push(`first difference: step ${d.index}: a side crashed:\n${JSON.stringify(d.left)}\n${JSON.stringify(d.right)}`);
    else lines.push(`first difference: step ${d.index}: ${names[0]} observed ${JSON.stringify(d.left)}, ${names[1]} observed ${JSON.stringify(d.right)}`);
  }
  return lines.join('\n');
}
