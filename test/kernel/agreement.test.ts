// Kernel and model agree on the reference programs, step by step, with each kernel step bracketed by
// the model run at the host clocks read before and after it (kernel/compare.ts).
import { describe, expect, it } from 'vitest';
import { compareOnKernel, describeDisagreement, judgeStep } from '../../kernel/compare.ts';
import { createModel } from '../../model/index.ts';
import type { Backend, BackendFactory, Observation, Step } from '../../vocab/index.ts';
import { REFERENCE_PROGRAMS, SETNS_PIDFD_ZOMBIE } from './programs.ts';
import { gate, kernelGate, rootStartGate } from './skip.ts';

const gettime: Step = { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true };

describe('judging one kernel step against the bracketing models', () => {
  it('accepts a time between the models and rejects one outside', () => {
    expect(judgeStep(gettime, { ret: 0, time: '150' }, { ret: 0, time: '100' }, { ret: 0, time: '200' })).toBeNull();
    expect(judgeStep(gettime, { ret: 0, time: '250' }, { ret: 0, time: '100' }, { ret: 0, time: '200' })).not.toBeNull();
    expect(judgeStep(gettime, { err: 'EINVAL' }, { ret: 0, time: '100' }, { ret: 0, time: '200' })).not.toBeNull();
  });
  it('allows either outcome when the models straddle a boundary, and nothing else', () => {
    const write: Step = { task: 't0', call: 'write', fd: 'f1', text: 'monotonic 1 0' };
    expect(judgeStep(write, { err: 'ERANGE' }, { ret: 13 }, { err: 'ERANGE' })).toBeNull();
    expect(judgeStep(write, { ret: 13 }, { ret: 13 }, { err: 'ERANGE' })).toBeNull();
    expect(judgeStep(write, { err: 'EACCES' }, { ret: 13 }, { err: 'ERANGE' })).not.toBeNull();
  });
  it('brackets both fields of /proc/uptime', () => {
    const up: Step = { task: 't0', call: 'read_uptime' };
    const at = (text: string): Observation => ({ ret: text.length, text });
    expect(judgeStep(up, at('10.50 20.00\n'), at('10.40 19.00\n'), at('10.60 21.00\n'))).toBeNull();
    expect(judgeStep(up, at('10.50 22.00\n'), at('10.40 19.00\n'), at('10.60 21.00\n'))).not.toBeNull();
  });
});

describe('kernel and model agree', () => {
  gate(kernelGate);
  for (const [name, program] of Object.entries(REFERENCE_PROGRAMS)) {
    it(name, async () => {
      const result = await compareOnKernel(program, createModel);
      if (result.disagreement) console.log(`${name}:\n${describeDisagreement(result.disagreement)}`);
      expect(result.disagreement).toBeUndefined();
      expect(result.compared + result.refused.length).toBe(program.steps.length);
    });
  }

  it('a model that is off by one second on MONOTONIC is caught (brackets are some 100 µs wide)', async () => {
    const skewed: BackendFactory = (env) => {
      const inner: Backend = createModel(env);
      return {
        step(step, host) {
          const o = inner.step(step, host);
          const mono = !('host' in step) && step.call === 'clock_gettime' && step.clock === 'CLOCK_MONOTONIC';
          return mono && o.time ? { ...o, time: String(BigInt(o.time) + 1_000_000_000n) } : o;
        },
        abstract: () => inner.abstract(),
      };
    };
    const result = await compareOnKernel(REFERENCE_PROGRAMS.UNSHARE_SEQUENCE, skewed);
    expect(result.disagreement?.index).toBe(8);
  });

  // Found by the kernel campaign: an exited task's mm is gone, and the kernel judges ptrace access to it
  // by the dumpability recorded when exit_mm() let the mm go (task_still_dumpable, kernel/ptrace.c),
  // against init_user_ns. The model once skipped that check and answered ESRCH where Linux says EPERM.
  it('setns through a pidfd of a zombie the caller may not ptrace: the model allows what Linux does', async () => {
    const result = await compareOnKernel(SETNS_PIDFD_ZOMBIE, createModel);
    if (result.disagreement) console.log(describeDisagreement(result.disagreement));
    expect(result.disagreement).toBeUndefined();
  });

  // The program's setuid calls mean something else in a user namespace (a start that is not root).
  it('setns through a pidfd of a zombie the caller may not ptrace: EPERM, then ESRCH for root', async (ctx) => {
    gate(rootStartGate, ctx);
    const result = await compareOnKernel(SETNS_PIDFD_ZOMBIE, createModel);
    expect(result.run.steps[6].obs).toEqual({ err: 'EPERM' });
    expect(result.run.steps[8].obs).toEqual({ err: 'ESRCH' });
  });
});
