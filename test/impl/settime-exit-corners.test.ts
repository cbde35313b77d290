// Corners of clock_settime, of the shifted procfs values, of process exit and of clone's flag checks,
// run on impl and model side by side (observations and states compared). Where a value must hit an
// exact boundary (the monotonic clock, a whole second), a first run of the same steps reads the host
// clock at that step, as the program would see it.
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import { hostFromSeed } from '../../harness/host.ts';
import { KTIME_SEC_MAX, NSEC_PER_SEC, type CloneFlagName, type Observation, type Step } from '../../vocab/index.ts';

const SEED = 'settime-exit-corners';

const agree = (steps: Step[]): Observation[] => agreeing(steps, SEED);

/** The value t0's clock_gettime(clock) reads at step `at` after `prefix` (a step of its own there). */
function clockAt(prefix: Step[], clock: 'CLOCK_REALTIME' | 'CLOCK_MONOTONIC' | 'CLOCK_BOOTTIME'): bigint {
  const obs = agree([...prefix, { task: 't0', call: 'clock_gettime', clock, vdso: false }]);
  return BigInt((obs.at(-1) as { time: string }).time);
}

const settime = (sec: bigint | string, nsec = 0, task = 't1'): Step => ({ task, call: 'clock_settime', clock: 'CLOCK_REALTIME', sec: String(sec), nsec });
/** TIME_SETTOD_SEC_MAX (include/linux/time64.h): KTIME_SEC_MAX minus 30 years of uptime. */
const SETTOD_MAX = KTIME_SEC_MAX - 30n * 365n * 86400n;

describe('clock_settime(CLOCK_REALTIME)', () => {
  const noSysTime: Step[] = [
    { task: 't0', call: 'fork', child: 't1' },
    { task: 't1', call: 'drop_caps', caps: ['CAP_SYS_TIME'] },
  ];
  it.each([
    ['a negative second', settime(-1n), 'EINVAL'],
    ['a negative nanosecond', settime(1_800_000_000n, -1), 'EINVAL'],
    ['TIME_SETTOD_SEC_MAX', settime(SETTOD_MAX), 'EINVAL'],
    ['second 0 (valid, refused for the capability)', settime(0n), 'EPERM'],
    ['one second below TIME_SETTOD_SEC_MAX', settime(SETTOD_MAX - 1n), 'EPERM'],
  ])('without CAP_SYS_TIME, %s: the timespec is checked first', (_name, step, err) => {
    const obs = agree([...noSysTime, step]);
    expect(obs.at(-1)).toEqual({ err });
  });
  it('the wall clock may be set to exactly the monotonic clock, not below it', () => {
    const prefix: Step[] = [{ task: 't0', call: 'fork', child: 't1' }];
    const m = clockAt(prefix, 'CLOCK_MONOTONIC');
    const at = settime(m / NSEC_PER_SEC, Number(m % NSEC_PER_SEC), 't0');
    expect(m % NSEC_PER_SEC).not.toBe(0n);
    expect(agree([...prefix, at]).at(-1)).toEqual({ ret: 0 });
  });
  it('a set moves TAI by as much: a TAI timer it passes expires, one beyond it does not', () => {
    const prefix: Step[] = [
      { task: 't0', call: 'timer_create', clock: 'CLOCK_TAI', notify: 'none', timer: 'k1' },
      { task: 't0', call: 'timer_settime', timer: 'k1', abs: false, value: { sec: '5', nsec: 0 }, interval: { sec: '0', nsec: 0 } },
      { task: 't0', call: 'timer_create', clock: 'CLOCK_TAI', notify: 'none', timer: 'k2' },
      { task: 't0', call: 'timer_settime', timer: 'k2', abs: false, value: { sec: '100', nsec: 0 }, interval: { sec: '0', nsec: 0 } },
    ];
    const r = clockAt(prefix, 'CLOCK_REALTIME');
    const obs = agree([
      ...prefix,
      settime(r / NSEC_PER_SEC + 10n, 0, 't0'),
      { task: 't0', call: 'timer_gettime', timer: 'k1' },
      { task: 't0', call: 'timer_gettime', timer: 'k2' },
    ]);
    expect(obs[prefix.length]).toMatchObject({ ret: 0 });
  });
  it('a set passing two REALTIME timers: both expire in the step of the set', () => {
    const prefix: Step[] = [
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't0', call: 'timer_create', clock: 'CLOCK_REALTIME', notify: 'signal', timer: 'k1' },
      { task: 't0', call: 'timer_create', clock: 'CLOCK_REALTIME', notify: 'signal', timer: 'k2' },
      { task: 't0', call: 'timer_settime', timer: 'k1', abs: false, value: { sec: '20', nsec: 0 }, interval: { sec: '0', nsec: 0 } },
      { task: 't0', call: 'timer_settime', timer: 'k2', abs: false, value: { sec: '10', nsec: 0 }, interval: { sec: '0', nsec: 0 } },
      { task: 't1', call: 'clock_nanosleep', clock: 'CLOCK_TAI', abs: false, value: { sec: '5', nsec: 0 } },
    ];
    const r = clockAt(prefix, 'CLOCK_REALTIME');
    agree([
      ...prefix,
      settime(r / NSEC_PER_SEC + 30n, 0, 't0'),
      { task: 't0', call: 'sigwait' },
      { task: 't0', call: 'sigwait' },
    ]);
  });
});

describe('shifted procfs values at whole seconds', () => {
  it('btime of a namespace whose boottime offset leaves a whole second', () => {
    const boot = hostFromSeed(SEED).bootRealtime;
    const frac = boot % NSEC_PER_SEC;
    expect(frac).not.toBe(0n);
    agree([
      { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' },
      { task: 't0', call: 'write', fd: 'f1', text: `boottime 1 ${frac}` },
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'read_btime' },
    ]);
  });
  it('sysinfo uptime at a whole second of namespace boottime is not rounded up', () => {
    const prefix: Step[] = [
      { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f1' },
      { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'none', timer: 'k0' },
      { task: 't0', call: 'fork', child: 't1' },
    ];
    // The boottime at the sysinfo step; the offset written at step 2 tops it up to a whole second.
    const b = clockAt(prefix, 'CLOCK_BOOTTIME');
    const top = (NSEC_PER_SEC - (b % NSEC_PER_SEC)) % NSEC_PER_SEC;
    const steps = [...prefix];
    steps[2] = { task: 't0', call: 'write', fd: 'f1', text: `boottime 0 ${top}` };
    const obs = agree([...steps, { task: 't1', call: 'sysinfo' }, { task: 't1', call: 'read_uptime' }]);
    expect(obs[2]).toMatchObject({ ret: expect.any(Number) });
  });
});

describe('exit and wait', () => {
  it('a vfork parent killed by its group while blocked stays dead when the child releases the mm', () => {
    agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'thread', child: 't3' },
      { task: 't1', call: 'vfork', child: 't2' },
      { task: 't3', call: 'exit_group', code: 1 },
      { task: 't2', call: 'exit' },
    ]);
  });
  it('a child reaped once: a second wait is ECHILD', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'exit', code: 3 },
      { task: 't0', call: 'wait', child: 't1' },
      { task: 't0', call: 'wait', child: 't1' },
    ]);
    expect(obs.at(-1)).toEqual({ err: 'ECHILD' });
  });
  it('waiting for a thread of a child (not its leader) is ECHILD', () => {
    const obs = agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'thread', child: 't2' },
      { task: 't0', call: 'wait', child: 't2', options: ['__WALL'] },
    ]);
    expect(obs.at(-1)).toEqual({ err: 'ECHILD' });
  });
  it('exit_group with the leader already a zombie exits only the live threads', () => {
    agree([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't1', call: 'thread', child: 't2' },
      { task: 't1', call: 'thread', child: 't3' },
      { task: 't1', call: 'exit', code: 5 },
      { task: 't2', call: 'exit_group', code: 7 },
      { task: 't0', call: 'wait', child: 't1' },
    ]);
  });
});

describe('clone flag checks', () => {
  it.each([
    [['CLONE_NEWUSER', 'CLONE_FS']],
    [['CLONE_SIGHAND']],
    [['CLONE_THREAD', 'CLONE_SIGHAND', 'CLONE_VM', 'CLONE_NEWUSER']],
  ] as CloneFlagName[][][])('clone(%j): EINVAL', (flags) => {
    const obs = agree([{ task: 't0', call: 'clone', child: 't1', flags, exitSignal: 17 }]);
    expect(obs.at(-1)).toEqual({ err: 'EINVAL' });
  });
});
