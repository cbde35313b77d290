// A kernel replay names the step where the kernel and the model part, not the later step where the
// judge's window for a blocking call ran out. The model is planted: it ends t0's hour-long sleep at
// step 2, which the kernel of course does not. The judge lets a wake-up come as late as the slowest step
// of the run took, so the program ends with waits well past that on a loaded machine.
import { describe, expect, it } from 'vitest';
import { compareOnKernel } from '../../kernel/compare.ts';
import { formatKernelReplay } from '../../harness/trace.ts';
import { createModel } from '../../model/index.ts';
import type { Backend, BackendFactory, Step } from '../../vocab/index.ts';
import { program } from './programs.ts';
import { gate, kernelGate } from './skip.ts';

const sysinfo: Step = { task: 't1', call: 'sysinfo' };
const p = program([
  { task: 't0', call: 'thread', child: 't1' },
  { task: 't0', call: 'nanosleep', value: { sec: '3600', nsec: 0 } },
  sysinfo, sysinfo, sysinfo, sysinfo, sysinfo,
  ...Array.from({ length: 10 }, (): Step => ({ host: 'advance', ns: '20000000' })),
]);

const endsTheSleepAtStep2: BackendFactory = (env) => {
  const inner: Backend = createModel(env);
  let n = 0;
  return {
    step(step, host) {
      const o = inner.step(step, host);
      return n++ === 2 ? { ...o, completions: [{ task: 't0', call: 'nanosleep', ret: 0 }] } : o;
    },
    abstract: () => inner.abstract(),
  };
};

describe('a kernel replay', () => {
  gate(kernelGate);
  it('names the step where the sides part, whole, and then the step judged', async () => {
    const r = await compareOnKernel(p, endsTheSleepAtStep2);
    expect(r.disagreement).toBeDefined();
    const text = formatKernelReplay(p, r);
    expect(text).toContain(`first difference: step 2: ${JSON.stringify(sysinfo)}\n  kernel:        ${JSON.stringify(r.trace[2].kernel)}`);
    expect(text).toContain(`model(before): ${JSON.stringify(r.trace[2].modelBefore)}`);
    if (r.disagreement!.index !== 2) expect(text).toContain(`judged at step ${r.disagreement!.index}`);
    expect(text).toContain(r.disagreement!.reason);
  });
});
