// The table of what changed between the kernels the harness knows (test/kernel/versions.ts), each outcome
// measured on that kernel, checked on model/ under each profile without a kernel: every scenario's run
// shows what the profile's kernel does. A row of model/profile.ts set wrong fails here on any machine.
import { describe, expect, it } from 'vitest';
import { createModel } from '../../model/index.ts';
import { runProgram } from '../../harness/run.ts';
import { KERNEL_BEHAVIOURS } from '../../vocab/index.ts';
import { VERSION_SCENARIOS } from '../kernel/versions.ts';

describe.each(KERNEL_BEHAVIOURS)('profile %s', (kernel) => {
  it.each(VERSION_SCENARIOS.map((s) => [s.behaviour, s] as const))('%s', (_, s) => {
    const obs = runProgram({ ...s.program, kernel }, createModel).map((e) => e.obs);
    expect(s.outcomes[kernel].holds(obs), `expected ${s.outcomes[kernel].says}, got ${JSON.stringify(obs)}`).toBe(true);
  });
});
