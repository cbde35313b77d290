// Printing traces for people: one line per step, the two sides side by side, the first difference marked
// and then shown whole. Nothing is cut: a column that runs long pushes the next one along.
import type { Comparison } from '../kernel/compare.ts';
import { isObserved } from '../vocab/index.ts';
import type { Observation, Observed, Program, ProgramStep } from '../vocab/index.ts';
import type { DifferentialResult } from './run.ts';

/** An observed value as "<steps[3].time + 1>" (the label where it names one). */
function describeObserved(o: Observed): string {
  const d = BigInt(o.delta);
  const from = typeof o.from === 'number' ? `steps[${o.from}]` : o.from;
  return `<${o.negate ? '-' : ''}${from}.${o.field}${d === 0n ? '' : d < 0n ? ` - ${-d}` : ` + ${d}`}>`;
}

export function describeStep(s: ProgramStep): string {
  if ('host' in s) {
    if (s.host === 'settime') return `host settime realtime=${s.realtime}`;
    if (s.host === 'signal') return `host signal ${s.task}${s.handler ? ' (handler)' : ' (stop+cont)'}`;
    return `host ${s.host} ${s.ns}ns`;
  }
  const { task, call, ...args } = s as ProgramStep & { task: string; call: string };
  const parts = Object.entries(args).map(([k, v]) =>
    k === 'text' ? (Array.isArray(v) ? v.map((x) => (isObserved(x) ? describeObserved(x) : JSON.stringify(x))).join('') : JSON.stringify(v))
    : isObserved(v) ? `${k}=${describeObserved(v)}`
    : Array.isArray(v) ? `${k}=[${v.join('|')}]`
    : typeof v === 'object' && v !== null && 'sec' in v ? `${k}=${(v as { sec: string }).sec}s+${(v as { nsec: number }).nsec}ns`
    : `${k}=${v}`);
  return `${task} ${call} ${parts.join(' ')}`.trimEnd();
}

export function describeObservation(o: Observation | { crash: string } | unknown): string {
  if (o === null || typeof o !== 'object') return String(o);
  if ('crash' in o) return `CRASH ${String((o as { crash: string }).crash).split('\n')[0]}`;
  const ob = o as Observation;
  const extra = Object.entries(ob)
    .filter(([k]) => !['ret', 'err', 'blocked', 'pending', 'unresolved', 'completions'].includes(k))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  for (const c of ob.completions ?? []) extra.push(`[${c.task} ${c.call} -> ${c.err ?? `ret ${c.ret}`}${c.time ? ` time=${c.time}` : ''}${c.value ? ` value=${c.value}` : ''}]`);
  const head = ob.blocked ? 'blocked' : ob.pending ? 'pending' : ob.unresolved ? 'unresolved' : ob.err ?? `ret ${ob.ret}`;
  return [head, ...extra].join(' ');
}

/** A cell of a column `width` wide: padded, never cut. */
function cell(s: string, width: number): string {
  return s.padEnd(width);
}

/** The whole run, side by side, up to and including the first divergence, which is then shown whole. */
export function formatSideBySide(r: DifferentialResult, names: [string, string]): string {
  const lines = [`  #  ${cell('step', 54)} ${cell(names[0], 34)} ${names[1]}`];
  for (const e of r.trace) {
    lines.push(`${String(e.index).padStart(3)}  ${cell(describeStep(e.step), 54)} ${cell(describeObservation(e.left), 34)} ${describeObservation(e.right)}`);
  }
  const d = r.divergence;
  if (d) {
    lines.push(`>${String(d.index).padStart(2)}  ${cell(describeStep(d.step), 54)} ${cell(describeObservation(d.left), 34)} ${describeObservation(d.right)}`);
    lines.push('');
    if (d.kind === 'state') lines.push(`first difference: step ${d.index}: ${JSON.stringify(d.step)}: the same observation ${JSON.stringify(d.left)}, but the states differ after it, ${d.stateDiff}`);
    else if (d.kind === 'check') lines.push(`first difference: step ${d.index}: ${JSON.stringify(d.step)}: the check after it failed: ${d.stateDiff}`);
    else if (d.kind === 'crash') lines.push(`first difference: step ${d.index}: ${JSON.stringify(d.step)}: a side crashed:\n${names[0]}: ${JSON.stringify(d.left)}\n${names[1]}: ${JSON.stringify(d.right)}`);
    else lines.push(`first difference: step ${d.index}: ${JSON.stringify(d.step)}\n  ${names[0]}: ${JSON.stringify(d.left)}\n  ${names[1]}: ${JSON.stringify(d.right)}`);
  }
  return lines.join('\n');
}

/** What an observation did, without its numbers (times, counts, lengths): the error, whether it blocked,
 *  the handles and links, which calls ended and how. Where two of these differ, the sides did different
 *  things, whatever the tolerances for time values say. */
export function outcomeShape(o: Observation): string {
  return JSON.stringify(o, (_k, v: unknown) => (typeof v === 'number' || (typeof v === 'string' && /^[-\d.\s]+$/.test(v)) ? '#' : v));
}

/**
 * A kernel run beside the two models, in program order (refused steps included), up to the step compare.ts
 * judged. Two marks: `>` on the judged step, `≠` on every step where the kernel's outcome differs from
 * both models' (outcomeShape). A judge with tolerances may speak a few steps after the sides part (a
 * blocking call may end a step late): the first difference named is the first `≠` step at or before the
 * judged one, shown whole, and the judgement follows.
 */
export function formatKernelReplay(program: Program, r: Comparison): string {
  const byIndex = new Map(r.trace.map((e) => [e.index, e]));
  const last = r.disagreement?.index ?? program.steps.length - 1;
  const parts = (e: Comparison['trace'][number]) => outcomeShape(e.kernel) !== outcomeShape(e.modelBefore) && outcomeShape(e.kernel) !== outcomeShape(e.modelAfter);
  const lines = [`  #  ${cell('step', 54)} ${cell('model (before .. after)', 34)} kernel`];
  for (let i = 0; i <= last && i < program.steps.length; i++) {
    const e = byIndex.get(i);
    if (!e) {
      lines.push(`${String(i).padStart(4)}  ${cell(describeStep(program.steps[i]), 54)} (refused by the executor's guard)`);
      continue;
    }
    const [b, a] = [describeObservation(e.modelBefore), describeObservation(e.modelAfter)];
    const mark = `${r.disagreement?.index === i ? '>' : ' '}${parts(e) ? '≠' : ' '}`;
    lines.push(`${mark}${String(i).padStart(2)}  ${cell(describeStep(e.step), 54)} ${cell(b === a ? b : `${b} .. ${a}`, 34)} ${describeObservation(e.kernel)}`);
  }
  const d = r.disagreement;
  if (!d) return lines.join('\n');
  const first = r.trace.find((e) => e.index <= d.index && parts(e)) ?? r.trace.find((e) => e.index === d.index)!;
  lines.push('', `first difference: step ${first.index}: ${JSON.stringify(first.step)}`,
    `  kernel:        ${JSON.stringify(first.kernel)}`,
    `  model(before): ${JSON.stringify(first.modelBefore)}`,
    `  model(after):  ${JSON.stringify(first.modelAfter)}`);
  if (first.index !== d.index) {
    lines.push(`judged at step ${d.index}: ${JSON.stringify(d.step)}`,
      `  kernel:        ${JSON.stringify(d.kernel)}`,
      `  model(before): ${JSON.stringify(d.modelBefore)}`,
      `  model(after):  ${JSON.stringify(d.modelAfter)}`);
  }
  lines.push(`  ${d.reason}`);
  return lines.join('\n');
}
