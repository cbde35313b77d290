// Linux is the authority: on generated kernel-safe programs, every observation the kernel makes is one
// the model allows (run at the host clocks just before and just after each step).
import { expect, it } from 'vitest';
import { formatStats } from '../harness/stats.ts';
import { gate, kernelGate } from '../test/kernel/skip.ts';
import { DEFAULT_KERNEL_CAMPAIGN, describeFindings, runKernelCampaign } from './kernel-campaign.ts';

it(`the model allows what Linux does, over ${DEFAULT_KERNEL_CAMPAIGN.runs} generated programs`, async (ctx) => {
  gate(kernelGate, ctx);
  const r = await runKernelCampaign(DEFAULT_KERNEL_CAMPAIGN);
  // A disagreement fails the check whether or not it reproduced: the comparison is meant to give no
  // timing false positives, so one that does not come back is still a fault (of the model or of compare.ts).
  if (!r.ok) expect.fail(describeFindings(r));
  console.log(`kernel campaign: ${r.runs} programs, ${r.stats.steps} steps on the kernel, ${r.refused} refused by the guard\n${formatStats(r.stats)}`);
  expect(r.runs).toBe(DEFAULT_KERNEL_CAMPAIGN.runs);
  // The programs must have done real work on the kernel, not only been refused or failed.
  expect(r.stats.steps).toBeGreaterThan(DEFAULT_KERNEL_CAMPAIGN.runs * 5);
  for (const call of ['unshare', 'clone3', 'setns', 'write', 'exec', 'clock_gettime', 'read_uptime']) {
    expect(r.stats.outcomes[call]?.ok ?? 0, call).toBeGreaterThan(0);
  }
  // Timers, timerfds and blocking calls ran on the kernel too, and some calls blocked and ended later.
  for (const call of ['timer_create', 'timer_settime', 'timerfd_create', 'clock_nanosleep']) {
    expect(r.stats.outcomes[call]?.ok ?? 0, call).toBeGreaterThan(0);
  }
  const pending = Object.values(r.stats.outcomes).reduce((n, o) => n + (o.pending ?? 0), 0);
  const completed = Object.values(r.stats.outcomes).reduce((n, o) => n + Object.entries(o).filter(([k]) => k.endsWith('(completed)')).reduce((m, [, v]) => m + v, 0), 0);
  expect(pending, 'calls that blocked').toBeGreaterThan(0);
  expect(completed, 'blocked calls that ended later').toBeGreaterThan(0);
}, 300_000);
