// What a planted-break test asserts of the counterexample a campaign found: it is the planted divergence
// (its step, its call, how the sides differ and by how much), and it is shrunk, so that no single step
// can go and the divergence stay.
import { expect } from 'vitest';
import { runDifferential, runProgram } from '../harness/run.ts';
import { createModel } from '../model/index.ts';
import type { Counterexample } from '../harness/counterexample.ts';
import type { BackendFactory, Program, TaskStep } from '../vocab/index.ts';

const NSEC = 1_000_000_000n;

/** A counterexample's divergence, as stored. */
export type Found = Counterexample['divergence'];

/** Every offset a program writes, in nanoseconds, by clock name; a text with observed values as the model
 *  made it (harness/run.ts fills them in from the model's own readings). */
export function writtenOffsets(p: Program): { clock: string; ns: bigint }[] {
  const out: { clock: string; ns: bigint }[] = [];
  for (const { step: s } of runProgram(p, createModel)) {
    if (!('call' in s) || s.call !== 'write' || typeof s.text !== 'string') continue;
    for (const line of s.text.split('\n')) {
      const m = /^\s*(monotonic|boottime|1|7)\s+(-?\d+)\s+(\d+)/.exec(line);
      if (m) out.push({ clock: m[1] === '1' ? 'monotonic' : m[1] === '7' ? 'boottime' : m[1], ns: BigInt(m[2]) * NSEC + BigInt(m[3]) });
    }
  }
  return out;
}

/** The two values of the first field a state divergence names, as numbers; with `leftNull`, the left
 *  side's may be null instead (a timer the left side has already fired). */
export function stateDiffValues(d: Found): { path: string; field: string; left: bigint; right: bigint };
export function stateDiffValues(d: Found, leftNull: true): { path: string; field: string; left: bigint | null; right: bigint };
export function stateDiffValues(d: Found, leftNull = false): { path: string; field: string; left: bigint | null; right: bigint } {
  const m = /^at (.*?): "(\w+)": (null|"(-?\d+)"),?\s+vs\s+"\w+": "(-?\d+)"/.exec(d.stateDiff ?? '');
  expect(m, `a state difference in one numeric field: ${d.stateDiff}`).not.toBeNull();
  if (!leftNull) expect(m![3], `a state difference in one numeric field: ${d.stateDiff}`).not.toBe('null');
  return { path: m![1], field: m![2], left: m![4] === undefined ? null : BigInt(m![4]), right: BigInt(m![5]) };
}

/** The absolute target a step arms, in ns, with observed values filled in as the model made them. */
export function madeTarget(p: Program, index: number): bigint {
  const made = runProgram(p, createModel)[index].step as { value?: { sec: string; nsec: number } };
  expect(made.value, `step ${index} arms a target`).toBeDefined();
  return BigInt(made.value!.sec) * NSEC + BigInt(made.value!.nsec);
}

/** No single step of the program can go with the divergence staying: the shrinker's promise, checked. */
export function expectOneMinimal(p: Program, left: BackendFactory, right: BackendFactory): void {
  expect(runDifferential(p, left, right).divergence, 'the counterexample itself diverges').toBeDefined();
  for (let i = 0; i < p.steps.length; i++) {
    const without = { ...p, steps: p.steps.filter((_, j) => j !== i) };
    const d = runDifferential(without, left, right).divergence;
    expect(d, `step ${i} (${JSON.stringify(p.steps[i])}) could go and the sides still part`).toBeUndefined();
  }
}

/** The divergence is at the program's last step, a call among `calls`. */
export function lastCall(p: Program, d: Found, calls: string[]): TaskStep {
  expect(d.index).toBe(p.steps.length - 1);
  const last = p.steps[d.index];
  expect('call' in last, 'the last step is a call').toBe(true);
  expect(calls).toContain((last as TaskStep).call);
  return last as TaskStep;
}
