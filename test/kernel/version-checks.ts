// Each kernel the harness knows, checked against its profile: 6.1 and 6.12 booted under QEMU
// (test/booted/versions.ts), and this machine's kernel when it is the 6.18 that "current"
// describes (versions.test.ts):
//   - every version scenario (versions.ts) shows what was measured on that version, the profile's model
//     allows the run, and the model of every profile that says otherwise does not;
//   - every selftest scenario's program, assuming that profile, is allowed by the profile's model;
//   - a campaign of fixed small budget, its programs generated for that profile, finds no disagreement
//     that reproduces and no crash.
// One boot of each version serves the whole file.
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { compareRun, describeDisagreement } from '../../kernel/compare.ts';
import { kernelAvailable, runOnKernel } from '../../kernel/driver.ts';
import type { ExecutorMode } from '../../kernel/driver.ts';
import { releaseOfVersion } from '../../kernel/vm.ts';
import { createModel } from '../../model/index.ts';
import { describeFindings, runKernelCampaign } from '../../properties/kernel-campaign.ts';
import { KERNEL_BEHAVIOURS, type KernelBehaviour, type Observation, type Program } from '../../vocab/index.ts';
import { catalogue } from '../selftests/catalogue.ts';
import { gate, inCI, kernelCheckGate, kernelGateFor } from './skip.ts';
import type { Gate } from './skip.ts';
import { VERSION_SCENARIOS } from './versions.ts';

/** The kernel this machine runs is "current" only if it is a 6.18. */
const CURRENT_RELEASE = '6.18';

export interface Target {
  name: string;
  profile: KernelBehaviour;
  mode: ExecutorMode;
  gate: () => Gate;
}

export const hostGate = (): Gate => {
  const g = kernelGateFor({});
  if (!('run' in g)) return g;
  if (process.getuid?.() !== 0) return kernelCheckGate({ ok: false, reason: 'the version scenarios start as root; the executor is not root here' }, inCI());
  const release = kernelRelease();
  return kernelCheckGate(releaseOfVersion(release, CURRENT_RELEASE) ? { ok: true }
    : { ok: false, reason: `this machine runs ${release}, not the ${CURRENT_RELEASE} the "current" profile describes` }, inCI());
};

let hostRelease: string | undefined;
function kernelRelease(): string {
  hostRelease ??= release();
  return hostRelease;
}

const TIMEOUT = { timeoutMs: 20_000 };

const BOOT_CHECK: Program = { format: 1, kernel: 'current', env: { seed: 'boot' }, steps: [
  { task: 't0', call: 'readlink', target: 't0', link: 'time' },
  { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'readlink', target: 't0', link: 'time_for_children' },
] };

/** Every check of a kernel against its profile. */
export function versionChecks(t: Target): void {
  describe(`${t.name}, profile ${t.profile}`, () => {
    gate(t.gate());

    if (t.mode.kernel) it('boots, runs the executor, and is the version asked for, with time namespaces', async () => {
      const run = await runOnKernel(BOOT_CHECK, { ...TIMEOUT, ...t.mode });
      expect(releaseOfVersion(run.release, t.mode.kernel!), run.release).toBe(true);
      const [initial, unshared, made] = run.steps.map((s) => s.obs);
      expect(initial).toEqual({ ret: 17, link: 'time:[4026531834]' });
      expect(unshared).toEqual({ ret: 0 });
      expect(made).toMatchObject({ ret: 17, link: expect.stringMatching(/^time:\[\d+\]$/) });
      expect(made).not.toEqual(initial);
    });

    for (const s of VERSION_SCENARIOS) {
      it(`${s.behaviour}: ${s.outcomes[t.profile].says}`, async () => {
        const run = await runOnKernel(s.program, { ...TIMEOUT, ...t.mode });
        const obs = run.steps.map((x) => x.obs as Observation);
        expect(s.outcomes[t.profile].holds(obs), `${run.release}: ${JSON.stringify(obs)}`).toBe(true);
        const judged = (profile: KernelBehaviour) => compareRun({ ...s.program, kernel: profile }, run, createModel).disagreement;
        const own = judged(t.profile);
        if (own) expect.fail(describeDisagreement(own));
        // The scenario tells the profiles apart: a profile that says otherwise is refused by this kernel.
        for (const other of KERNEL_BEHAVIOURS) {
          if (s.outcomes[other].says !== s.outcomes[t.profile].says) expect(judged(other), `the ${other} model on ${run.release}`).toBeDefined();
        }
      });
    }

    it('every selftest scenario, assuming this profile, is allowed by its model', async () => {
      const failed: string[] = [];
      for (const s of catalogue) {
        const p: Program = { ...s.program, kernel: t.profile };
        const run = await runOnKernel(p, { ...TIMEOUT, ...t.mode });
        const d = compareRun(p, run, createModel).disagreement;
        if (d) failed.push(`${s.name}:\n${describeDisagreement(d)}`);
      }
      expect(failed).toEqual([]);
    });

    // This machine's own kernel has its larger campaign in properties/kernel-agreement.test.ts.
    if (t.mode.kernel) it('a small campaign for this profile finds no disagreement that reproduces, and no crash', async () => {
      expect(kernelAvailable(t.mode).ok).toBe(true);
      const r = await runKernelCampaign({ seed: 9, runs: 40, maxSteps: 12, kernel: t.mode.kernel, executors: 1 });
      console.log(`${t.name}: ${r.runs} programs on ${r.release}, ${r.stats.steps} steps; ${describeFindings(r).split('\n')[0]}`);
      // Timing under emulation can make a disagreement that a replay does not show again; those are
      // printed above (and stored by the command line) but only a reproduced one fails the version.
      expect(r.reproduced.map((f) => f.counterexample), describeFindings(r)).toEqual([]);
      expect(r.crashes.map((c) => c.error)).toEqual([]);
      expect(r.runs).toBe(40);
      expect(releaseOfVersion(r.release, t.profile)).toBe(true);
    });
  });
}
