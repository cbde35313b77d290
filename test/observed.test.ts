// Observed values (vocab/program.ts Observed): how a program file naming them is read and refused, how they
// resolve, and how shrinking keeps them pointing at the step they read.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProgram } from '../harness/program.ts';
import { refusal } from './refusal.ts';
import { runDifferential, runProgram } from '../harness/run.ts';
import { createModel } from '../model/index.ts';
import { createImpl } from '../impl/index.ts';
import { shrinkProgram, withoutSteps } from '../properties/shrink.ts';
import { programs } from '../properties/generate.ts';
import { observedIn, timespecOf, textOf } from '../vocab/index.ts';
import type { Program, ProgramStep } from '../vocab/index.ts';

const read = (label?: string): ProgramStep => ({ task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true, ...(label ? { label } : {}) });
const sleepFrom = (from: number | string, delta = '0'): ProgramStep =>
  ({ task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_MONOTONIC', abs: true, value: { from, field: 'time', delta } });
const prog = (steps: unknown[]) => ({ format: 1, kernel: 'current', env: { seed: 'a' }, steps });


describe('reading observed values', () => {
  it('accepts a value by index and by label, in a timespec and in a text', () => {
    const p = checkProgram(prog([read('start'), sleepFrom(0), sleepFrom('start', '-1'),
      { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f0' },
      { task: 't0', call: 'write', fd: 'f0', text: ['monotonic ', { from: 'start', field: 'time', delta: '0', negate: true }, '\n'] }]));
    expect(p.steps).toHaveLength(5);
  });

  it.each([
    ['a later step, by index', [sleepFrom(1), read()], 'steps[0].value.from', /steps\[1\] comes after this step/],
    ['a later step, by label', [sleepFrom('late'), read('late')], 'steps[0].value.from', /steps\[1\], labelled "late", comes after this step/],
    ['itself', [read(), sleepFrom(1)], 'steps[1].value.from', /its own observation/],
    ['a step that is not there', [read(), sleepFrom(9)], 'steps[1].value.from', /there is no steps\[9\]/],
    ['a label nobody carries', [read('a'), sleepFrom('b')], 'steps[1].value.from', /no step before this one is labelled "b"/],
    ['a step whose observation has no time', [{ task: 't0', call: 'unshare', flags: [] }, sleepFrom(0)], 'steps[1].value.field', /steps\[0\] is unshare, whose observation has no "time"/],
    ['a host event', [{ host: 'advance', ns: '5' }, sleepFrom(0)], 'steps[1].value.field', /a host event \(advance\)/],
    ['a field the step has not', [read(), { ...sleepFrom(0), value: { from: 0, field: 'itimer.value', delta: '0' } }], 'steps[1].value.field', /clock_gettime, whose observation has no "itimer.value" \(it has "time"\)/],
    ['an unknown field', [read(), { ...sleepFrom(0), value: { from: 0, field: 'value', delta: '0' } }], 'steps[1].value.field', /expected one of "time"/],
    ['a delta that is not a decimal', [read(), sleepFrom(0, '1e3')], 'steps[1].value.delta', /decimal integer string/],
    ['a delta past 64 bits', [read(), sleepFrom(0, '9223372036854775808')], 'steps[1].value.delta', /out of range/],
    ['a missing delta', [read(), { ...sleepFrom(0), value: { from: 0, field: 'time' } }], 'steps[1].value.delta', /missing/],
    ['a reference in a text part', [read(), { task: 't0', call: 'write', fd: 'f0', text: ['x ', { from: 3, field: 'time', delta: '0' }] }], 'steps[1].text[1].from', /steps\[3\]|there is no/],
    ['an empty list of text parts', [{ task: 't0', call: 'write', fd: 'f0', text: [] }], 'steps[0].text', /empty/],
    ['a label that is a number', [{ ...read(), label: '3' }], 'steps[0].label', /expected a label/],
    ['a label carried twice', [read('a'), read('a')], 'steps[1].label', /already carried by steps\[0\]/],
    ['an interval (never observed)', [read(), { task: 't0', call: 'timer_settime', timer: 'k0', abs: true, value: { sec: '0', nsec: 0 }, interval: { from: 0, field: 'time', delta: '0' } }],
      'steps[1].interval.from', /unknown field/],
  ])('refuses a value taken from %s', (_what, steps, field, reason) => {
    const r = refusal(prog(steps));
    expect(r.field).toBe(field);
    expect(r.reason).toMatch(reason);
  });
});

describe('resolving observed values', () => {
  it('as a timespec rounds down: nsec in [0, 1e9), negative values with a negative second', () => {
    expect(timespecOf(1_500_000_000n)).toEqual({ sec: '1', nsec: 500_000_000 });
    expect(timespecOf(-1n)).toEqual({ sec: '-1', nsec: 999_999_999 });
    expect(timespecOf(-1_000_000_000n)).toEqual({ sec: '-1', nsec: 0 });
    expect(textOf(-4_500_000_000n)).toBe('-5 500000000');
  });

  it('model and impl each take the value from their own observation, and agree', () => {
    const p: Program = { format: 1, kernel: 'current', env: { seed: 'obs' }, steps: [read('t'), { ...sleepFrom('t', '5000'), label: 'sleep' }, { host: 'advance', ns: '10000' }] };
    const trace = runProgram(p, createModel);
    // The harness moves the host 1 µs before each step: the sleep is armed 1 µs after the read and
    // ends 4 µs later, during the advance.
    expect(trace[1].obs).toEqual({ pending: true });
    expect(trace[1].step).toEqual({ ...sleepFrom(0), label: 'sleep', value: { ...timespecOf(BigInt(trace[0].obs.time!) + 5000n) } });
    expect(trace[2].obs.completions).toEqual([{ task: 't0', call: 'clock_nanosleep', ret: 0 }]);
    expect(runDifferential(p, createModel, createImpl).divergence).toBeUndefined();
  });

  it('a step whose value is not there is not made, on both sides alike', () => {
    const p: Program = { format: 1, kernel: 'current', env: { seed: 'obs' }, steps: [{ task: 't0', call: 'clock_gettime', clock: 10, vdso: true }, sleepFrom(0), read()] };
    const trace = runProgram(p, createModel);
    expect(trace.map((e) => e.obs)).toEqual([{ err: 'EINVAL' }, { unresolved: true }, { ret: 0, time: trace[2].obs.time }]);
    expect(runDifferential(p, createModel, createImpl).divergence).toBeUndefined();
  });
});

describe('shrinking keeps observed values valid', () => {
  const steps: ProgramStep[] = [
    { host: 'advance', ns: '1' }, // 0
    read(), // 1
    read('r'), // 2
    { host: 'advance', ns: '2' }, // 3
    sleepFrom(1), // 4: reads step 1 by index
    sleepFrom('r', '7'), // 5: reads step 2 by label
  ];

  it('renumbers indices past a cut', () => {
    expect(withoutSteps(steps, new Set([0, 3]))).toEqual([read(), read('r'), sleepFrom(0), sleepFrom('r', '7')]);
  });

  it('drops the steps that read a step cut, by index or by label', () => {
    expect(withoutSteps(steps, new Set([1]))).toEqual([{ host: 'advance', ns: '1' }, read('r'), { host: 'advance', ns: '2' }, sleepFrom('r', '7')]);
    expect(withoutSteps(steps, new Set([2]))).toEqual([{ host: 'advance', ns: '1' }, read(), { host: 'advance', ns: '2' }, sleepFrom(1)]);
  });

  it('drops what depends on a dropped step in turn', () => {
    const chain: ProgramStep[] = [
      read(),
      { task: 't0', call: 'timer_settime', timer: 'k0', abs: true, value: { from: 0, field: 'time', delta: '0' }, interval: { sec: '0', nsec: 0 } },
      { task: 't0', call: 'nanosleep', value: { from: 1, field: 'itimer.value', delta: '0' } },
      read(),
    ];
    expect(withoutSteps(chain, new Set([0]))).toEqual([read()]);
  });

  it('every candidate of every program is a program the reader accepts', () => {
    const p = checkProgram(prog(steps));
    let n = 0;
    for (const c of shrinkProgram(p)) {
      expect(() => checkProgram(c), JSON.stringify(c.steps)).not.toThrow();
      n++;
    }
    expect(n).toBeGreaterThan(10);
    // The simpler forms include the value without its delta.
    expect([...shrinkProgram(p)].some((c) => JSON.stringify(c.steps[5]) === JSON.stringify(sleepFrom('r')))).toBe(true);
  });
});

describe('generated observed values', () => {
  it('kernel-safe generation makes them, and every program it makes is one the reader accepts', () => {
    let used = 0;
    for (const p of fc.sample(programs({ maxSteps: 30, kernelSafe: true, kernelTimers: true }), { seed: 5, numRuns: 200 })) {
      expect(() => checkProgram(JSON.parse(JSON.stringify(p)))).not.toThrow();
      used += p.steps.reduce((n, s) => n + observedIn(s).length, 0);
    }
    expect(used).toBeGreaterThan(20);
  });

  it('model and impl agree on generated programs that use them, each from its own observations', () => {
    let unresolved = 0;
    for (const p of fc.sample(programs({ maxSteps: 30, kernelSafe: true, kernelTimers: true }), { seed: 6, numRuns: 300 })) {
      const r = runDifferential(p, createModel, createImpl);
      expect(r.divergence, JSON.stringify(p)).toBeUndefined();
      unresolved += r.trace.filter((e) => e.left.unresolved).length;
    }
    expect(unresolved).toBeGreaterThan(0);
  });
});
