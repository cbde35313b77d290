// The lock-step comparison is as strong as comparing canonical JSON: observations compare as their
// canonical JSON would, and a difference in any field of the abstract state at step k is reported at
// step k, located as before, whether the sides' writings or their built states are compared.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createImpl } from '../impl/index.ts';
import { createModel } from '../model/index.ts';
import { canonicalJson, firstDifference } from '../harness/canonical.ts';
import { buildWritten, same } from '../harness/compare.ts';
import { runDifferential, runProgram } from '../harness/run.ts';
import { programs } from '../properties/generate.ts';
import { CAP_NAMES } from '../vocab/index.ts';
import type { AbstractScalar, AbstractState, AbstractWriter, Backend, BackendFactory, CapName, Program, Step } from '../vocab/index.ts';

describe('same() is canonical JSON equality', () => {
  const leaf = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -3, max: 3 }), fc.boolean(), fc.constant(null),
    fc.constant(undefined), fc.bigInt({ min: -3n, max: 3n }), fc.constantFrom('0', '1', '-1', '2'));
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('a', 'b', 'c', '1', '10'), tie('v'), { maxKeys: 3 })),
  })).v;
  it('on random values, and on values that differ by one small change', () => {
    fc.assert(fc.property(value, value, (a, b) => {
      expect(same(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
      const c = structuredClone(a);
      expect(same(a, c)).toBe(true);
    }), { numRuns: 1000 });
  });
});

// t0 holds a POSIX timer, a timerfd, an nsfs fd, a pidfd and an offsets fd, and a pending namespace it
// has written; t1 (in the namespace, in a new user namespace) sleeps. Every field kind of the abstract
// state is present after the last step.
const RICH: Program = {
  format: 1, kernel: 'current', env: { seed: 'rich' },
  steps: [
    { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k0' },
    { task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: { sec: '0', nsec: 1000 }, interval: { sec: '0', nsec: 1000 } },
    { task: 't0', call: 'timerfd_create', clock: 'CLOCK_BOOTTIME', nonblock: true, fd: 'f0' },
    { task: 't0', call: 'timerfd_settime', fd: 'f0', abs: false, cancelOnSet: false, value: { sec: '0', nsec: 1000 }, interval: { sec: '0', nsec: 1000 } },
    { task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f1' },
    { task: 't0', call: 'pidfd_open', target: 't0', fd: 'f2' },
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f3' },
    { task: 't0', call: 'write', fd: 'f3', text: 'monotonic 5 0\nboottime 7 0' },
    { task: 't0', call: 'fork', child: 't1' },
    { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: false, value: { sec: '100', nsec: 0 } },
    { host: 'advance', ns: '10000' },
  ] as Step[],
};
const K = RICH.steps.length - 1;

/** Every leaf of the state as a path of keys (a list counts as one leaf). */
function leaves(v: unknown, path: string[] = []): string[][] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return [path];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => leaves(x, [...path, k]));
}

function change(v: AbstractScalar): AbstractScalar {
  if (typeof v === 'bigint') return v + 1n;
  if (typeof v === 'number') return v + 1;
  if (typeof v === 'boolean') return !v;
  if (v === null) return 0;
  return /^-?\d+$/.test(v) ? String(BigInt(v) + 1n) : `${v}x`;
}

/** A writer that changes the value at `path` as it passes. */
function changing(w: AbstractWriter, path: string[]): AbstractWriter {
  const at: string[] = [];
  const here = (key: string) => at.length === path.length - 1 && path[at.length] === key && at.every((k, i) => k === path[i]);
  return {
    open(key) { at.push(String(key)); w.open(key); },
    close() { at.pop(); w.close(); },
    put(key, value) { w.put(key, here(String(key)) ? change(value) : value); },
    caps(key, mask) { w.caps(key, here(key) ? mask ^ 1 : mask); },
  };
}

/** impl, with one field of its abstract state changed from step `from` on, in its writing and its built state alike. */
function broken(path: string[], from: number, writes = true): BackendFactory {
  return (env) => {
    const inner = createImpl(env);
    let done = 0;
    const write = (w: AbstractWriter) => inner.writeAbstract!(done > from ? changing(w, path) : w);
    const side: Backend = { step: (s, h) => { done++; return inner.step(s, h); }, abstract: () => buildWritten(write) };
    if (writes) side.writeAbstract = write;
    return side;
  };
}

/** A side's abstract state after the last step of RICH. */
function stateAfter(factory: BackendFactory): AbstractState {
  let state: AbstractState | undefined;
  runProgram(RICH, factory, (e, side) => { if (e.index === K) state = side.abstract(); });
  return state!;
}

describe('a difference in any part of the abstract state is reported at its step', () => {
  const state = stateAfter(createModel);
  const paths = leaves(state);
  const fields = new Set(paths.map((p) => [p[0], ...p.slice(2)].join('.')));

  it('the rich program agrees, and reaches every field of every record kind', () => {
    expect(runDifferential(RICH, createModel, createImpl).divergence).toBeUndefined();
    for (const f of [
      'tasks.state', 'tasks.leader', 'tasks.parent', 'tasks.vm', 'tasks.timeNs', 'tasks.timeNsForChildren', 'tasks.userNs',
      'tasks.euid', 'tasks.caps', 'tasks.waiting.call', 'tasks.waiting.clock', 'tasks.waiting.expires',
      'timers.kind', 'timers.owner', 'timers.clock', 'timers.expires', 'timers.interval', 'timers.notify', 'timers.signalQueued',
      'timers.overrun', 'timers.ticks', 'timers.cancelOnSet', 'timers.canceled',
      'processes.fds.f0.kind', 'processes.fds.f0.timer', 'processes.fds.f1.ns', 'processes.fds.f2.target',
      'processes.fds.f3.target', 'processes.fds.f3.mode', 'processes.dumpable',
      'timeNamespaces.owner', 'timeNamespaces.monotonic', 'timeNamespaces.boottime', 'timeNamespaces.frozen',
      'userNamespaces.parent', 'userNamespaces.owner', 'userNamespaces.mapped', 'userNamespaces.maxTimeNamespaces',
      'userNamespaces.timeNamespaces.0',
    ]) expect(fields, f).toContain(f);
  });

  for (const path of paths) {
    for (const writes of [true, false]) {
      it(`${path.join(' > ')} changed after step ${K} (${writes ? 'writings' : 'built states'} compared)`, () => {
        const counts = { written: 0, built: 0 };
        const r = runDifferential(RICH, createModel, broken(path, K, writes), { counts });
        expect(r.divergence?.kind).toBe('state');
        expect(r.divergence?.index).toBe(K);
        // Located and worded as a comparison of the built states words it.
        expect(r.divergence?.stateDiff).toBe(firstDifference(state, stateAfter(broken(path, K, writes))));
        expect(r.divergence?.stateDiff).toContain(path[path.length - 1] === 'caps' ? 'caps' : path.length > 2 ? path[path.length - 1] : path[1]);
        expect(counts).toEqual(writes ? { written: K, built: 1 } : { written: 0, built: K + 1 });
      });
    }
  }
});

describe('the comparison of writings', () => {
  it('compares every state of generated programs as written: both sides write in the same order', () => {
    const counts = { written: 0, built: 0 };
    for (const p of fc.sample(programs({ maxSteps: 60 }), { seed: 7, numRuns: 60 })) {
      expect(runDifferential(p, createModel, createImpl, { counts }).divergence).toBeUndefined();
    }
    expect(counts.built).toBe(0);
    expect(counts.written).toBeGreaterThan(1000);
  });

  it('a state written in another order is the same state: the built states decide', () => {
    const reversed: BackendFactory = (env) => {
      const inner = createImpl(env);
      return {
        step: (s, h) => inner.step(s, h),
        abstract: () => inner.abstract(),
        // Same state, fields of each map written in reverse order.
        writeAbstract: (w) => {
          const s = inner.abstract() as unknown as Record<string, Record<string, unknown>>;
          const put = (k: string, v: unknown): void => {
            if (Array.isArray(v)) w.caps(k, (v as CapName[]).reduce((m, c) => m | (1 << CAP_NAMES.indexOf(c)), 0));
            else if (v !== null && typeof v === 'object') { w.open(k); for (const [a, b] of Object.entries(v).reverse()) put(a, b); w.close(); }
            else w.put(k, v as AbstractScalar);
          };
          for (const [k, v] of Object.entries(s)) put(k, v);
        },
      };
    };
    const counts = { written: 0, built: 0 };
    const r = runDifferential(RICH, createModel, reversed, { counts });
    expect(r.divergence).toBeUndefined();
    expect(counts.built).toBeGreaterThan(0);
  });

  it('a key written as a number is the same key as its digits: the built states decide', () => {
    const digits: BackendFactory = (env) => {
      const inner = createImpl(env);
      const asDigits = (w: AbstractWriter): AbstractWriter => ({
        open: (key) => w.open(String(key)),
        close: () => w.close(),
        put: (key, value) => w.put(String(key), value),
        caps: (key, mask) => w.caps(key, mask),
      });
      return { step: (s, h) => inner.step(s, h), abstract: () => inner.abstract(), writeAbstract: (w) => inner.writeAbstract!(asDigits(w)) };
    };
    const counts = { written: 0, built: 0 };
    expect(runDifferential(RICH, createModel, digits, { counts }).divergence).toBeUndefined();
    // Every state has namespaces, keyed by number on the model's side: none matched as written.
    expect(counts).toEqual({ written: 0, built: RICH.steps.length });
  });

  it('a per-step check stops the run at the step it fails, and sees both sides', () => {
    const r = runDifferential(RICH, createModel, createImpl, {
      check: (e, left, right) => (e.index === 5 && left.abstract().tasks.t0 && right.abstract().tasks.t0 ? 'five' : undefined),
    });
    expect(r.divergence).toMatchObject({ index: 5, kind: 'check', stateDiff: 'five' });
  });
});

