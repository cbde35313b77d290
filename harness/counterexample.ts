// Stored counterexamples: a shrunk failing program with what each side observed, as readable JSON whose
// name is derived from the program itself, so the same failure found twice lands in the same file.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Program } from '../vocab/index.ts';
import { canonicalJson } from './canonical.ts';
import { checkProgram, ProgramError } from './program.ts';
import type { Divergence } from './run.ts';

export const COUNTEREXAMPLE_FORMAT = 1;

export interface Counterexample {
  counterexample: typeof COUNTEREXAMPLE_FORMAT;
  /** The property that failed, e.g. "refinement" (model against impl) or "kernel" (model against Linux). */
  property: string;
  /** The two sides compared, left first. */
  sides: [string, string];
  /** What the divergence turned out to be, added by whoever fixed it. */
  note?: string;
  /** How to find it again: the fast-check seed and path of the campaign that found it. */
  found?: { seed: number; path?: string; runs?: number; maxSteps?: number };
  /** The first step at which the sides differ, and what each observed there. */
  divergence: { index: number; kind: string; left: unknown; right: unknown; stateDiff?: string; reason?: string; modelAfter?: unknown };
  /** Against Linux: how many replays of the program disagreed at the same step again. */
  replays?: { reproduced: number; of: number };
  /** Against a kernel booted under QEMU (kernel/vm.ts): the version booted and its release; a replay
   *  boots that version again. Absent: the machine's own kernel. */
  booted?: { version: string; release: string };
  program: Program;
}

export function counterexampleName(property: string, program: Program): string {
  const hash = createHash('sha256').update(canonicalJson(program)).digest('hex').slice(0, 10);
  return `${property}-${program.steps.length}steps-${hash}.json`;
}

export function makeCounterexample(
  property: string, sides: [string, string], program: Program, d: Divergence, found?: Counterexample['found'],
): Counterexample {
  return {
    counterexample: COUNTEREXAMPLE_FORMAT,
    property,
    sides,
    ...(found ? { found } : {}),
    divergence: { index: d.index, kind: d.kind, left: d.left, right: d.right, ...(d.stateDiff ? { stateDiff: d.stateDiff } : {}) },
    program,
  };
}

/** Write one readable JSON file (one step per line) and return its path. */
export function writeCounterexample(dir: string, c: Counterexample): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, counterexampleName(c.property, c.program));
  const { program, ...head } = c;
  const steps = program.steps.map((s) => `    ${JSON.stringify(s)}`).join(',\n');
  const headJson = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  const programHead = JSON.stringify({ format: program.format, kernel: program.kernel, env: program.env });
  writeFileSync(path, `${headJson},\n  "program": ${programHead.replace(/}$/, '')}, "steps": [\n${steps}\n  ]}\n}\n`);
  return path;
}

/** Read a stored file; a bad one raises ProgramError naming the field. */
export function readCounterexample(path: string): Counterexample {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ProgramError(path, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ProgramError(path, `not JSON: ${(e as Error).message}`);
  }
  // Every refusal names the file as well as the field.
  try {
    return counterexampleOf(value);
  } catch (e) {
    if (e instanceof ProgramError) throw new ProgramError(`${path}: ${e.field}`, e.reason);
    throw e;
  }
}

function counterexampleOf(value: unknown): Counterexample {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProgramError('(file)', 'expected a JSON object');
  const v = value as Record<string, unknown>;
  // A bare program is accepted too, so that hand-written programs replay with the same command.
  if (!('counterexample' in v)) {
    return { counterexample: 1, property: 'refinement', sides: ['model', 'impl'], divergence: { index: -1, kind: 'none', left: null, right: null }, program: checkProgram(v) };
  }
  if (v.counterexample !== COUNTEREXAMPLE_FORMAT) throw new ProgramError('counterexample', `expected ${COUNTEREXAMPLE_FORMAT}, got ${JSON.stringify(v.counterexample)}`);
  if (typeof v.property !== 'string') throw new ProgramError('property', 'expected a string');
  const sides = v.sides;
  if (!Array.isArray(sides) || sides.length !== 2 || !sides.every((s) => typeof s === 'string'))
    throw new ProgramError('sides', 'expected two side names, e.g. ["model", "impl"]');
  if (typeof v.divergence !== 'object' || v.divergence === null) throw new ProgramError('divergence', 'expected an object');
  if (v.booted !== undefined) {
    const b = v.booted as Record<string, unknown> | null;
    if (typeof b !== 'object' || b === null || typeof b.version !== 'string' || typeof b.release !== 'string')
      throw new ProgramError('booted', 'expected { "version": "...", "release": "..." }, the kernel booted under QEMU');
  }
  try {
    return { ...(v as unknown as Counterexample), program: checkProgram(v.program) };
  } catch (e) {
    if (e instanceof ProgramError) throw new ProgramError(`program.${e.field}`.replace('program.program', 'program'), e.reason);
    throw e;
  }
}
