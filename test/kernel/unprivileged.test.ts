// The kernel checks without root: the executor runs as nobody (uid/gid 65534, no capabilities), makes
// the user namespace every program starts in, reports it, and the model starts from exactly that
// (Environment.userNamespace, docs/conventions.md). Where this process is not root, every kernel
// check runs this way; here it is asked for with `unprivileged: true`.
import { describe, expect, it } from 'vitest';
import { compareOnKernel, describeDisagreement } from '../../kernel/compare.ts';
import { NOBODY, isRefused, probeSeccompWall, runOnKernel } from '../../kernel/driver.ts';
import { formatStats } from '../../harness/stats.ts';
import { createModel } from '../../model/index.ts';
import { describeFindings, runKernelCampaign } from '../../properties/kernel-campaign.ts';
import { CAP_NAMES, type Program, type Step } from '../../vocab/index.ts';
import { REFERENCE_PROGRAMS } from './programs.ts';
import { gate, kernelGateFor } from './skip.ts';

const UNPRIVILEGED = { unprivileged: true } as const;
const unprivilegedGate = kernelGateFor(UNPRIVILEGED);

const SIGSYS = 31;

function program(steps: Step[]): Program {
  return { format: 1, kernel: 'current', env: { seed: 'unprivileged' }, steps };
}

async function agree(p: Program) {
  const result = await compareOnKernel(p, createModel, UNPRIVILEGED);
  if (result.disagreement) console.log(describeDisagreement(result.disagreement));
  expect(result.disagreement).toBeUndefined();
  // Every step ran on the kernel: none of these programs asks for anything the guard refuses.
  expect(result.refused).toEqual([]);
  return result;
}

describe('an unprivileged executor', () => {
  gate(unprivilegedGate);
  it('reports the user namespace it made, and the capabilities it has there', async () => {
    const run = await runOnKernel(program([{ task: 't0', call: 'sysctl_read' }]), UNPRIVILEGED);
    expect(run.env.uid).toBe(NOBODY.uid);
    expect(run.env.userNamespace).toEqual({ gid: NOBODY.gid, parentCouldSetfcap: false });
    // Every capability, in its own namespace; the initial namespace's limit, read before it was made.
    expect(run.env.caps).toEqual([...CAP_NAMES]);
    expect(run.env.maxTimeNamespaces).toBeGreaterThan(0);
    expect(run.initialUserNs).not.toBe(4026531837);
    // Its own namespace's limit: a new user namespace starts at INT_MAX.
    expect(run.steps[0].obs).toEqual({ ret: 0, value: '2147483647' });
  });

  it('starts the model where the kernel starts: the limits and EPERMs of a root without the host', async () => {
    const r = await agree(program([
      { task: 't0', call: 'open', target: 't0', file: 'ns/user', mode: 'r', fd: 'f0' },
      { task: 't0', call: 'ioctl', fd: 'f0', request: 'NS_GET_OWNER_UID' },
      { task: 't0', call: 'ioctl', fd: 'f0', request: 'NS_GET_PARENT', result: 'f1' },
      { task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f2' },
      { task: 't0', call: 'setns', fd: 'f2', nstype: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'ioctl', fd: 'f2', request: 'NS_GET_USERNS', result: 'f3' },
      { task: 't0', call: 'timerfd_create', clock: 'CLOCK_BOOTTIME_ALARM', nonblock: true, fd: 'f4' },
      { task: 't0', call: 'setuid', uid: 1 },
      { task: 't0', call: 'map_root' },
      { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f5' },
      { task: 't0', call: 'write', fd: 'f5', text: 'monotonic 86400 0' },
      { task: 't0', call: 'exec' },
      { task: 't0', call: 'readlink', target: 't0', link: 'time' },
      { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'map_root' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't1', call: 'sysctl_write', value: 3 },
      // Entering a time namespace owned by a user namespace its own uid made below its own.
      { task: 't0', call: 'open', target: 't1', file: 'ns/time_for_children', mode: 'r', fd: 'f6' },
      { task: 't0', call: 'setns', fd: 'f6', nstype: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'readlink', target: 't0', link: 'time' },
    ]));
    const obs = r.run.steps.map((s) => s.obs);
    expect(obs[1]).toEqual({ ret: 0, uid: 0 });
    expect(obs[2]).toEqual({ err: 'EPERM' });
    expect(obs[4]).toEqual({ err: 'EPERM' }); // setns into the root-owned initial time namespace
    expect(obs[5]).toEqual({ err: 'EPERM' });
    expect(obs[6]).toEqual({ err: 'EPERM' }); // alarm clocks need CAP_WAKE_ALARM over the initial namespace
    expect(obs[7]).toEqual({ err: 'EINVAL' });
    expect(obs[8]).toEqual({ err: 'EPERM' }); // the maps are written
    expect(obs[9]).toEqual({ ret: 0 });
    expect(obs[11]).toEqual({ ret: 17 });
    expect(obs[17]).toEqual({ ret: 0 });
    expect(obs[19]).toEqual({ ret: 0 }); // a grandchild user namespace's own limit
    expect(obs[21]).toEqual({ ret: 0 });
  });

  it('sees a task whose mm is not dumpable asleep in its call, though it may not read the task\'s syscall', async () => {
    // /proc/TID/syscall wants ptrace access, which nobody lacks over a non-dumpable mm made in the
    // initial user namespace; the sleep must still show as pending, and end where the model ends it.
    const p = program([
      { task: 't0', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 0 },
      { task: 't0', call: 'nanosleep', value: { sec: '0', nsec: 5_000_000 } },
      { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
      { host: 'advance', ns: '20000000' },
      // An absolute CLOCK_MONOTONIC target no machine's uptime reaches.
      { task: 't0', call: 'futex_wait', realtime: false, value: { sec: '1000000000', nsec: 0 } },
      { host: 'signal', task: 't0', handler: true },
      { task: 't0', call: 'prctl', option: 'PR_GET_DUMPABLE' },
    ]);
    const obs = (await agree(p)).run.steps.map((s) => s.obs);
    expect(obs.slice(1, 3)).toEqual([{ pending: true }, { blocked: true }]);
    expect(obs[3]).toEqual({ ret: 0, completions: [{ task: 't0', call: 'nanosleep', ret: 0 }] });
    expect(obs[4]).toEqual({ pending: true });
    expect(obs[5]).toEqual({ ret: 0, completions: [{ task: 't0', call: 'futex_wait', err: 'EINTR' }] });
    expect(obs[6]).toEqual({ ret: 0 });
  });

  for (const [name, p] of Object.entries(REFERENCE_PROGRAMS)) {
    it(`agrees with the model on the reference program ${name}`, async () => {
      await agree(p);
    });
  }
});

describe('the walls of an unprivileged executor', () => {
  gate(unprivilegedGate);
  it('the guard refuses sysctl writes in its own user namespace and offsets of the initial time namespace', async () => {
    const run = await runOnKernel(program([
      { task: 't0', call: 'sysctl_write', value: 5 },
      { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f0' },
      { task: 't0', call: 'write', fd: 'f0', text: 'monotonic 100 0' },
      { task: 't0', call: 'clock_settime', clock: 'CLOCK_REALTIME', sec: '1', nsec: 0 },
      { task: 't0', call: 'sysctl_read' },
    ]), UNPRIVILEGED);
    expect(run.steps.map((s) => isRefused(s.obs))).toEqual([true, false, true, true, false]);
    expect(run.steps[4].obs).toEqual({ ret: 0, value: '2147483647' });
  });

  for (const probe of ['settime', 'settimeofday', 'adjtimex', 'clock_adjtime'] as const) {
    it(`the seccomp wall kills a task calling ${probe} directly with SIGSYS`, async () => {
      const outcome = await probeSeccompWall(probe, UNPRIVILEGED);
      expect(outcome.kind).toBe('died');
      expect(outcome.signal).toBe(SIGSYS);
    });
  }
});

describe('generated programs as nobody', () => {
  gate(unprivilegedGate);
  const RUNS = 300;
  it(`the model allows what Linux does, over ${RUNS} generated programs`, async () => {
    const r = await runKernelCampaign({ seed: 7, runs: RUNS, maxSteps: 15, unprivileged: true });
    // A disagreement fails the check whether or not it reproduced: the comparison is meant to give no
    // timing false positives, so one that does not come back is still a fault (of the model or of compare.ts).
    if (!r.ok) expect.fail(describeFindings(r));
    console.log(`unprivileged kernel campaign: ${r.runs} programs, ${r.stats.steps} steps, ${r.refused} refused\n${formatStats(r.stats)}`);
    expect(r.runs).toBe(RUNS);
    expect(r.stats.steps).toBeGreaterThan(RUNS * 5);
    // (setns succeeds in the hand-written program above: generated ones, written for a root start,
    // rarely hold a namespace they may enter.)
    for (const call of ['unshare', 'write', 'exec', 'clock_gettime', 'timer_create', 'clock_nanosleep']) {
      expect(r.stats.outcomes[call]?.ok ?? 0, call).toBeGreaterThan(0);
    }
  }, 300_000);
});
