// The reference's worked examples, run on the real kernel. Every expected value comes from
// timens-semantics.md (section noted per check); clock values are checked as host + offset, with the
// host read just before and just after the step.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isRefused, runOnKernel } from '../../kernel/driver.ts';
import type { KernelRun } from '../../kernel/driver.ts';
import type { Observation } from '../../vocab/index.ts';
import {
  HALF_RANGE_NS, OBSERVED_FAR_READ, OBSERVED_HOST_READ, OBSERVED_VALUES, OBSERVED_VALUES_PROGRAM, filled,
  CLONE3_NEWTIME, CLONE_EXIT_WAIT, CLONE_EXIT_WAIT_PROGRAM, CLONE_NEWTIME_BIT, DUMPABLE, DUMPABLE_PROGRAM, EXEC_VFORK, STARTTIME_PROGRAM, program, startTimeFailures, startWrapFailures, startWrapProgram, OFFSETS_POSITION, OFFSETS_POSITION_PROGRAM, WALL_CLOCKS, SETNS_PIDFD_ZOMBIE, FROZEN_WRITES, IOCTLS, OFFSETS_PROGRAM, OFFSETS_WRITES, UNPRIVILEGED, UNSHARE_SEQUENCE, UPTIME,
  offsetsText,
} from './programs.ts';
import { gate, kernelGate, rootStartGate } from './skip.ts';

const SEC = 1_000_000_000n;
const INIT_LINK = 'time:[4026531834]';

function obs(run: KernelRun, i: number): Observation {
  const o = run.steps[i].obs;
  if (isRefused(o)) throw new Error(`step ${i} was refused: ${o.refused}`);
  return o;
}

/** The step's clock value equals host(clock) + offset at some instant of the step. */
function expectShifted(run: KernelRun, i: number, clock: 'monotonic' | 'boottime', offset: bigint): void {
  const t = BigInt(obs(run, i).time!);
  const { before, after } = run.steps[i];
  expect(t >= before[clock] + offset && t <= after[clock] + offset, `step ${i}: ${t} - ${offset} in [${before[clock]}, ${after[clock]}]`).toBe(true);
}

describe('reference programs on the kernel', () => {
  gate(kernelGate);
  it('§2.2 unshare sequences: the caller stays, a second unshare copies the pending offsets', async () => {
    const run = await runOnKernel(UNSHARE_SEQUENCE);
    expect(obs(run, 2)).toEqual({ ret: 30 });
    expect(obs(run, 5)).toEqual({ ret: 64, text: offsetsText([100, 0], [200, 0]) });
    expect(obs(run, 6).link).toBe(INIT_LINK);
    expect(obs(run, 7).link).not.toBe(INIT_LINK);
    expectShifted(run, 8, 'monotonic', 0n);
    // Per-thread tfc: the other thread keeps its own.
    expect(obs(run, 10)).toEqual({ ret: 0 });
    expect(obs(run, 11).link).not.toBe(obs(run, 12).link);
    expect(obs(run, 12).link).toBe(obs(run, 7).link);
  });

  it('legacy clone: exit signals, exit codes and wait options observe what the table says', async () => {
    const run = await runOnKernel(CLONE_EXIT_WAIT_PROGRAM);
    CLONE_EXIT_WAIT.forEach(([step, expected], i) => expect(obs(run, i), `step ${i} ${JSON.stringify(step)}`).toEqual(expected));
  });

  it('timens_offsets file position: partial reads keep their text, seeks, pwrite, write only at 0', async () => {
    const run = await runOnKernel(OFFSETS_POSITION_PROGRAM);
    OFFSETS_POSITION.forEach(([step, expected], i) => expect(obs(run, i), `step ${i} ${JSON.stringify(step)}`).toEqual(expected));
  });

  it('gettimeofday and time are the wall clock, unshifted, in microseconds and in tick-updated seconds', async () => {
    const run = await runOnKernel(WALL_CLOCKS);
    for (const i of [4, 5]) {
      const t = BigInt(obs(run, i).time!);
      const { before, after } = run.steps[i];
      expect(t % 1000n).toBe(0n);
      expect(t >= before.realtime / 1000n * 1000n && t <= after.realtime, `step ${i}`).toBe(true);
    }
    for (const i of [6, 7]) {
      const t = BigInt(obs(run, i).time!);
      const { before, after } = run.steps[i];
      expect(t >= before.realtimeCoarse / SEC * SEC && t <= after.realtimeCoarse, `step ${i}`).toBe(true);
    }
  });

  it('/proc/PID/stat starttime is shifted by the reader\'s namespace; times() by none', async () => {
    const run = await runOnKernel(STARTTIME_PROGRAM);
    const brackets = { steps: run.steps, born: { before: run.born!.before.boottime, after: run.born!.after.boottime } };
    expect(startTimeFailures(run.steps.map((_, i) => obs(run, i)), brackets)).toEqual([]);
    // The advances of 20 ms put the three starts in different ticks: a thread has its own.
    expect(new Set([4, 5, 6].map((i) => obs(run, i).value)).size).toBe(3);
  });

  it('a start before the reader\'s namespace\'s zero shows wrapped, as an unsigned 64-bit count', async () => {
    await runOnKernel(program([])); // an executor ready, so that t0 starts at once
    // Boottime now (/proc/uptime, to 10 ms); the offset's zero lies 1 s on, within the 2 s of advances.
    const uptime = readFileSync('/proc/uptime', 'utf8').split(' ')[0].replace('.', '');
    const at = BigInt(uptime) * 10_000_000n + SEC;
    const run = await runOnKernel(startWrapProgram(at, 100));
    const brackets = { steps: run.steps, born: { before: run.born!.before.boottime, after: run.born!.after.boottime } };
    expect(run.born!.after.boottime < at, 't0 was made before the offset\'s zero').toBe(true);
    expect(startWrapFailures(run.steps.map((_, i) => obs(run, i)), at, 100, brackets)).toEqual([]);
  });

  it('prctl(PR_SET_DUMPABLE) decides who may open a task\'s namespace files and offsets', async () => {
    const run = await runOnKernel(DUMPABLE_PROGRAM);
    DUMPABLE.forEach(([step, expected], i) => expect(obs(run, i), `step ${i} ${JSON.stringify(step)}`).toEqual(expected));
  });

  it('observed values: targets and offsets from the clock just read land where the table says', async () => {
    const run = await runOnKernel(OBSERVED_VALUES_PROGRAM);
    OBSERVED_VALUES.forEach(([step, expected], i) => {
      const o = obs(run, i);
      const { completions: _, ...seen } = o;
      expect(seen, `step ${i} ${JSON.stringify(step)}`).toEqual(filled(seen, expected));
    });
    // The namespace's clock is the reading's negation plus KTIME_SEC_MAX / 2 s, plus the host time from
    // the reading (within its step's bracket) to the read in the namespace (within its own).
    const since = BigInt(obs(run, OBSERVED_FAR_READ).time!) - BigInt(HALF_RANGE_NS);
    const [from, to] = [run.steps[OBSERVED_HOST_READ], run.steps[OBSERVED_FAR_READ]];
    expect(since >= to.before.monotonic - from.after.monotonic && since <= to.after.monotonic - from.before.monotonic, `${since}`).toBe(true);
  });

  it('legacy clone: the bit 0x80 is an exit signal, never CLONE_NEWTIME', async () => {
    const run = await runOnKernel(CLONE_NEWTIME_BIT);
    expect(obs(run, 1)).toEqual({ ret: 0, handle: 't1' });
    expect(obs(run, 4).link).toBe(obs(run, 3).link);
    expect(obs(run, 5).link).not.toBe(obs(run, 3).link);
  });

  it('§2.3 clone3(CLONE_NEWTIME): frozen at birth without CLONE_VM, pending with it', async () => {
    const run = await runOnKernel(CLONE3_NEWTIME);
    expect(obs(run, 3)).toEqual({ ret: 0, handle: 't1' });
    expectShifted(run, 4, 'monotonic', 50n * SEC);
    expect(obs(run, 6)).toEqual({ err: 'EACCES' });
    expect(obs(run, 7)).toEqual({ ret: 14 });
    expect(obs(run, 9)).toEqual({ blocked: true });
    expect(obs(run, 10).link).toBe(INIT_LINK);
    expect(obs(run, 11).link).not.toBe(INIT_LINK);
    expect(obs(run, 13)).toEqual({ ret: 12 });
    expect(obs(run, 14)).toEqual({ ret: 0 });
    expectShifted(run, 15, 'monotonic', 60n * SEC);
    expectShifted(run, 16, 'boottime', 7n * SEC);
    expectShifted(run, 17, 'monotonic', 0n);
    expect(obs(run, 18).link).toBe(INIT_LINK);
  });

  it('§4 vfork and exec: exec enters the tfc and freezes it; failed exec changes nothing', async () => {
    const run = await runOnKernel(EXEC_VFORK);
    const y = obs(run, 5).link;
    expect(obs(run, 4).link).toBe(INIT_LINK);
    expect(y).not.toBe(INIT_LINK);
    expect(obs(run, 6)).toEqual({ err: 'ENOENT' });
    expect(obs(run, 7).link).toBe(INIT_LINK);
    expect(obs(run, 9).link).toBe(y);
    expectShifted(run, 10, 'monotonic', 1000n * SEC);
    expect(obs(run, 11)).toEqual({ err: 'EACCES' });
    expect(obs(run, 12)).toEqual({ ret: 0, handle: 't2' });
    expect(obs(run, 13).link).toBe(INIT_LINK);
    expectShifted(run, 15, 'monotonic', 1000n * SEC);
    expect(obs(run, 16)).toEqual({ ret: 0 });
    expect(obs(run, 17)).toEqual({ err: 'ESRCH' }); // exec killed the other thread
    expect(obs(run, 18).link).toBe(y);
    expect(obs(run, 19)).toEqual({ ret: 0 }); // t1 still runs
  });

  it('§5.7 offsets writes: the worked examples, then EINVAL > ERANGE > EACCES once frozen', async () => {
    const run = await runOnKernel(OFFSETS_PROGRAM);
    OFFSETS_WRITES.forEach((w, k) => {
      const wrote = obs(run, 2 + 2 * k);
      expect(wrote, JSON.stringify(w.text)).toEqual(w.expect === 'ok' ? { ret: w.text.length } : { err: w.expect });
      expect(obs(run, 3 + 2 * k)).toEqual({ ret: w.after.length, text: w.after });
    });
    const frozenAt = 2 + 2 * OFFSETS_WRITES.length + 1;
    FROZEN_WRITES.forEach((w, k) => expect(obs(run, frozenAt + k)).toEqual({ err: w.expect }));
    expectShifted(run, frozenAt + FROZEN_WRITES.length, 'monotonic', -SEC / 2n);
  });

  it('§8 uptime, sysinfo and btime are shifted by the boottime offset for the reader', async () => {
    const run = await runOnKernel(UPTIME);
    const off = 864_000n * SEC;
    const centis = (text: string) => text.split(' ').map((f) => BigInt(f.replace('.', '').trim()) * 10_000_000n);
    const [up1, idle1] = centis(obs(run, 4).text!);
    const s4 = run.steps[4];
    expect(up1 <= s4.after.boottime + off && up1 > s4.before.boottime + off - SEC / 100n).toBe(true);
    expect(idle1 >= s4.before.idle && idle1 <= s4.after.idle).toBe(true); // idle is not shifted
    const s5 = run.steps[5];
    const up5 = BigInt(obs(run, 5).value!) * SEC;
    expect(up5 >= s5.before.boottime + off && up5 < s5.after.boottime + off + SEC).toBe(true); // rounded up
    const s6 = run.steps[6];
    const bt = BigInt(obs(run, 6).value!);
    const hostBt = BigInt(obs(run, 9).value!);
    expect(bt).toBe(hostBt - 864_000n);
    // realtime - boottime from REALTIME read before BOOTTIME is at most the boot time; TAI (REALTIME plus
    // whole leap seconds) read after BOOTTIME gives at least it, however long the reads were apart.
    const leap = ((s6.after.tai - s6.after.realtime) / SEC) * SEC;
    expect(hostBt * SEC <= s6.after.tai - leap - s6.after.boottime && hostBt * SEC > s6.before.bootRealtime - 2n * SEC).toBe(true);
    const [up7] = centis(obs(run, 7).text!);
    expect(up7 <= run.steps[7].after.boottime && up7 > run.steps[7].before.boottime - SEC / 100n).toBe(true);
    expectShifted(run, 11, 'boottime', off);
  });

  it('§10 nsfs ioctls and setns through an fd', async () => {
    const run = await runOnKernel(IOCTLS);
    expect(obs(run, 3)).toEqual({ ret: 128 });
    expect(obs(run, 4)).toEqual({ ret: 128 });
    expect(obs(run, 5)).toEqual({ err: 'EINVAL' });
    expect(obs(run, 6)).toEqual({ err: 'EINVAL' });
    expect(obs(run, 7)).toEqual({ ret: 0, handle: 'f3' });
    expect(obs(run, 8)).toEqual({ ret: 0x10000000 });
    expect(obs(run, 9)).toEqual({ ret: 0, uid: 0 });
    expect(obs(run, 10)).toEqual({ err: 'EPERM' }); // the initial user ns has no parent
    expect(obs(run, 11)).toEqual({ ret: 0 });
    expect(obs(run, 12).link).not.toBe(INIT_LINK);
    expect(obs(run, 13).link).toBe(obs(run, 12).link);
    expect(obs(run, 14)).toEqual({ err: 'EINVAL' }); // nstype of another namespace type
    expect(obs(run, 15)).toEqual({ err: 'EBADF' });
    expect(obs(run, 16)).toEqual({ ret: 0, time: String(run.env.tickNs) }); // §6.2
    expect(obs(run, 17)).toEqual({ ret: 0, time: '1' });
    if (!run.env.rtc) {
      expect(obs(run, 18)).toEqual({ err: 'EINVAL' });
      expect(obs(run, 19)).toEqual({ err: 'EINVAL' });
    }
    expect(obs(run, 20)).toEqual({ err: 'EINVAL' });
  });

  it('§11 unprivileged: EPERM alone, everything inside an own user namespace', async (ctx) => {
    gate(rootStartGate, ctx);
    const run = await runOnKernel(UNPRIVILEGED);
    expect(obs(run, 2)).toEqual({ err: 'EPERM' });
    expect(obs(run, 4)).toEqual({ ret: 0, handle: 'f1' });
    expect(obs(run, 5)).toEqual({ ret: 0 });
    expect(obs(run, 6)).toEqual({ ret: 15 });
    expect(obs(run, 7)).toEqual({ ret: 0 });
    expectShifted(run, 9, 'monotonic', 100n * SEC);
    expect(obs(run, 10).link).not.toBe(INIT_LINK);
    expect(obs(run, 11)).toEqual({ err: 'EINVAL' });
    expect(obs(run, 12)).toEqual({ err: 'EACCES' });
    expect(obs(run, 13)).toEqual({ ret: 0, handle: 'f3' });
    expect(obs(run, 17)).toEqual({ ret: 0 });
    expect(obs(run, 18)).toEqual({ ret: 0 }); // two separate calls work too
    // The creator's euid has no mapping in its own unmapped user ns: create_user_ns says EPERM.
    expect(obs(run, 19)).toEqual({ err: 'EPERM' });
  });

  it('setns through a pidfd of a zombie: EPERM when ptrace access fails, else ESRCH (validate_nsset)', async (ctx) => {
    gate(rootStartGate, ctx);
    const run = await runOnKernel(SETNS_PIDFD_ZOMBIE);
    expect(obs(run, 4)).toEqual({ ret: 0 });
    expect(obs(run, 6)).toEqual({ err: 'EPERM' }); // nobody may not ptrace uid 1000
    expect(obs(run, 8)).toEqual({ err: 'ESRCH' }); // root may: the zombie has no nsproxy
  });
});
