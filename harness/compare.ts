// Comparing two values as their canonical JSON would (harness/canonical.ts), without printing them:
// same(a, b) holds exactly when canonicalJson(a) === canonicalJson(b), for the values sides produce
// (plain objects, arrays, strings, finite numbers, booleans, null, bigint, undefined).
// Key order never matters, a key whose value is undefined counts as absent, a bigint equals the string
// of its digits (canonicalJson prints it so), an undefined array element equals null.
import { capsOfMask, type AbstractScalar, type AbstractState, type AbstractWriter } from '../vocab/index.ts';

function leaf(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const arrayA = Array.isArray(a);
    if (arrayA !== Array.isArray(b)) return false;
    if (arrayA) {
      const x = a as unknown[];
      const y = b as unknown[];
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) {
        if (!same(x[i] === undefined ? null : x[i], y[i] === undefined ? null : y[i])) return false;
      }
      return true;
    }
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    let defined = 0;
    for (const k in x) {
      const v = x[k];
      if (v === undefined) continue;
      defined++;
      if (!Object.hasOwn(y, k)) return false;
      const w = y[k];
      if (w === undefined || !same(v, w)) return false;
    }
    for (const k in y) if (y[k] !== undefined) defined--;
    return defined === 0;
  }
  if (typeof a === 'object' && a !== null) return false;
  if (typeof b === 'object' && b !== null) return false;
  return leaf(a) === leaf(b);
}

// ---- Written states ------------------------------------------------------------------------------
// Each side writes its abstract state (vocab AbstractWriter) in canonical order. One side's writing is
// recorded; the other's is checked against the record as it is written. Equal writings are equal
// states: both sides' abstract() build their objects from that same writing. Unequal writings may still
// be equal states written in another order: the caller then compares the built states with same().

const OPEN = 0;
const CLOSE = 1;
const PUT = 2;
const CAPS = 3;

/** What one side wrote, kept in arrays reused from step to step. */
export class Recorder implements AbstractWriter {
  readonly ops: number[] = [];
  readonly keys: (string | number)[] = [];
  readonly values: AbstractScalar[] = [];
  length = 0;
  reset(): void {
    this.length = 0;
  }
  private add(op: number, key: string | number, value: AbstractScalar): void {
    const i = this.length++;
    this.ops[i] = op;
    this.keys[i] = key;
    this.values[i] = value;
  }
  open(key: string | number): void { this.add(OPEN, key, null); }
  close(): void { this.add(CLOSE, '', null); }
  put(key: string | number, value: AbstractScalar): void { this.add(PUT, key, value); }
  caps(key: string, mask: number): void { this.add(CAPS, key, mask); }
}

/** Compares a writing with a record as it comes, stopping at the first token that differs. */
export class Checker implements AbstractWriter {
  private at = 0;
  private equal = true;
  constructor(private readonly record: Recorder) {}
  start(): void {
    this.at = 0;
    this.equal = true;
  }
  /** Whether everything written since start() matched the whole record. */
  matched(): boolean {
    return this.equal && this.at === this.record.length;
  }
  private check(op: number, key: string | number, value: AbstractScalar): void {
    if (!this.equal) return;
    const r = this.record;
    const i = this.at++;
    // === compares bigints by value; a bigint never equals a string here, nor a number key its digits
    // (that costs only the fallback).
    if (i >= r.length || r.ops[i] !== op || r.keys[i] !== key || r.values[i] !== value) this.equal = false;
  }
  open(key: string | number): void { this.check(OPEN, key, null); }
  close(): void { this.check(CLOSE, '', null); }
  put(key: string | number, value: AbstractScalar): void { this.check(PUT, key, value); }
  caps(key: string, mask: number): void { this.check(CAPS, key, mask); }
}

/** Builds the plain objects a writing describes (bigints as decimal strings), as the sides' abstract() do. */
export function buildWritten(write: (w: AbstractWriter) => void): AbstractState {
  const root: Record<string, unknown> = {};
  const open: Record<string, unknown>[] = [root];
  write({
    open(key) { const o = {}; open[open.length - 1][key] = o; open.push(o); },
    close() { open.pop(); },
    put(key, value) { open[open.length - 1][key] = typeof value === 'bigint' ? String(value) : value; },
    caps(key, mask) { open[open.length - 1][key] = capsOfMask(mask); },
  });
  return root as unknown as AbstractState;
}
