// Printed traces hide nothing: the first difference is named at the step where the sides part, and shown
// whole. Constructed runs whose first differing step is known.
import { describe, expect, it } from 'vitest';
import type { Comparison } from '../kernel/compare.ts';
import type { DifferentialResult } from '../harness/run.ts';
import { describeObservation, formatKernelReplay, formatSideBySide } from '../harness/trace.ts';
import type { Observation, Program, Step } from '../vocab/index.ts';

const sysinfo: Step = { task: 't1', call: 'sysinfo' };
const offsets = 'monotonic      864000         0\nboottime            0         0\n';

describe('side by side, model against impl', () => {
  it('shows a long observation whole, in its row and in the first difference', () => {
    const read: Step = { task: 't0', call: 'read', fd: 'f0' };
    const left: Observation = { ret: offsets.length, text: offsets };
    const right: Observation = { ret: offsets.length, text: offsets.replace('864000', '864001') };
    const r: DifferentialResult = {
      trace: [{ index: 0, step: sysinfo, left: { ret: 0, value: '1' }, right: { ret: 0, value: '1' } }],
      divergence: { index: 1, step: read, kind: 'observation', left, right },
    };
    const text = formatSideBySide(r, ['model', 'impl']);
    expect(text).not.toContain('…');
    const row = text.split('\n').find((l) => l.startsWith('> 1'))!;
    expect(row).toContain(describeObservation(left));
    expect(row).toContain(describeObservation(right));
    expect(text).toContain(`first difference: step 1: ${JSON.stringify(read)}\n  model: ${JSON.stringify(left)}\n  impl: ${JSON.stringify(right)}`);
  });

  it('an error with data shows the data', () => {
    expect(describeObservation({ err: 'EINTR', time: '3599999470844' })).toBe('EINTR time="3599999470844"');
  });
});

describe('a kernel replay', () => {
  // The sides part at step 2 (the models end t0's sleep there, the kernel does not); a judge with a
  // window of one step speaks only at step 4.
  const steps: Step[] = [
    { task: 't0', call: 'thread', child: 't1' },
    { task: 't0', call: 'nanosleep', value: { sec: '3600', nsec: 0 } },
    sysinfo, sysinfo, sysinfo,
  ];
  const program: Program = { format: 1, kernel: 'current', env: { seed: 'trace' }, steps };
  const ended: Observation = { ret: 0, value: '5', completions: [{ task: 't0', call: 'nanosleep', ret: 0 }] };
  const same = (index: number, o: Observation) => ({ index, step: steps[index], kernel: o, modelBefore: o, modelAfter: o });
  const r: Comparison = {
    compared: 5, refused: [],
    trace: [same(0, { ret: 0, handle: 't1' }), same(1, { pending: true }),
      { index: 2, step: sysinfo, kernel: { ret: 0, value: '5' }, modelBefore: ended, modelAfter: ended },
      same(3, { ret: 0, value: '5' }), same(4, { ret: 0, value: '5' })],
    disagreement: { index: 4, step: sysinfo, kernel: { ret: 0, value: '5' }, modelBefore: { ret: 0, value: '5' }, modelAfter: { ret: 0, value: '5' },
      reason: 'the models ended the nanosleep of t0 in steps 2 and 2, the kernel not by step 4' },
  };

  it('names the step where the sides part, shows it whole, then the step judged', () => {
    const text = formatKernelReplay(program, r);
    expect(text).toContain(`first difference: step 2: ${JSON.stringify(sysinfo)}\n  kernel:        {"ret":0,"value":"5"}\n  model(before): ${JSON.stringify(ended)}`);
    expect(text).toContain('judged at step 4');
    expect(text.split('\n').filter((l) => l.includes('≠')).map((l) => l.slice(0, 4))).toEqual([' ≠ 2']);
    expect(text.split('\n').filter((l) => l.startsWith('>')).map((l) => l.slice(0, 4))).toEqual(['>  4']);
  });

  it('shows refused steps in program order', () => {
    const refused: Comparison = { ...r, refused: [3], trace: r.trace.filter((e) => e.index !== 3) };
    const rows = formatKernelReplay(program, refused).split('\n').slice(1, 6);
    expect(rows.map((l) => Number(l.slice(2, 4)))).toEqual([0, 1, 2, 3, 4]);
    expect(rows[3]).toContain("(refused by the executor's guard)");
  });
});
