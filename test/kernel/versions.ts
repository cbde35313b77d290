// What changed between the kernels the harness boots, one scenario per change: a program that shows the
// change, and what each profile's kernel does with it. Every outcome here was measured on that kernel
// (6.1.192 and 6.12.117 under QEMU, this machine's 6.18.44) and is checked again on it by
// version-checks.ts (test/booted/versions.ts, versions.test.ts), which also runs each program
// against the profile's model; the README's table of behaviour by version is this list.
import type { KernelBehaviour, Observation, Program, Step } from '../../vocab/index.ts';

export interface VersionScenario {
  /** The behaviour, as the README's table names it. */
  behaviour: string;
  /** The change, as model/profile.ts names it. */
  change: string;
  program: Program;
  /** Per profile: what the kernel does, in words (a cell of the table), and the check of it. */
  outcomes: Record<KernelBehaviour, { says: string; holds: (obs: Observation[]) => boolean }>;
}

const INIT_TIME = 'time:[4026531834]';
const P = (steps: Step[]): Program => ({ format: 1, kernel: 'current', env: { seed: 'versions' }, steps });
const unshare: Step = { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] };
const openOffsets: Step = { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'rw', fd: 'f0' };
const link = (task: string, l: 'time' | 'time_for_children'): Step => ({ task, call: 'readlink', target: task, link: l });
const same = (a: Observation, b: Observation) => JSON.stringify(a) === JSON.stringify(b);
const err = (e: string) => (o: Observation) => o.err === e;
const ok = (o: Observation) => o.ret !== undefined && o.err === undefined;
/** Every profile the same. */
const everywhere = (says: string, holds: (obs: Observation[]) => boolean) => ({ '6.1': { says, holds }, '6.12': { says, holds }, current: { says, holds } });
const oldAndNew = (
  old: [string, (obs: Observation[]) => boolean], now: [string, (obs: Observation[]) => boolean], from: '6.12' | 'current',
) => ({
  '6.1': { says: old[0], holds: old[1] },
  '6.12': from === '6.12' ? { says: now[0], holds: now[1] } : { says: old[0], holds: old[1] },
  current: { says: now[0], holds: now[1] },
});

/** A one-shot SIGEV_SIGNAL timer of 1 ms that has fired (its signal queued) before the next step. */
const firedTimer: Step[] = [
  { task: 't0', call: 'timer_create', clock: 'CLOCK_MONOTONIC', notify: 'signal', timer: 'k0' },
  { task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: { sec: '0', nsec: 1_000_000 }, interval: { sec: '0', nsec: 0 } },
  { host: 'advance', ns: '10000000' },
];

export const VERSION_SCENARIOS: VersionScenario[] = [
  {
    behaviour: 'exec after unshare(CLONE_NEWTIME) enters time_for_children (and freezes it)',
    change: 'execSwitchesTimens (2b5f9dad32ed, 6.2)',
    program: P([unshare, openOffsets, { task: 't0', call: 'write', fd: 'f0', text: 'monotonic 100000 0' }, { task: 't0', call: 'exec' },
      link('t0', 'time'), link('t0', 'time_for_children'), { task: 't0', call: 'write', fd: 'f0', text: 'monotonic 5 0' }]),
    outcomes: oldAndNew(
      ['no: time stays, offsets still writable', (o) => o[4].link === INIT_TIME && o[5].link !== INIT_TIME && o[6].ret === 13],
      ['yes: time = time_for_children, a write gets EACCES', (o) => o[4].link !== INIT_TIME && same(o[4], o[5]) && o[6].err === 'EACCES'],
      '6.12'),
  },
  {
    behaviour: 'a thread (CLONE_VM|CLONE_THREAD) while time != time_for_children',
    change: 'execSwitchesTimens (2b5f9dad32ed, 6.2)',
    program: P([unshare, { task: 't0', call: 'thread', child: 't1' }]),
    outcomes: oldAndNew(['EINVAL', (o) => err('EINVAL')(o[1])], ['created', (o) => ok(o[1])], '6.12'),
  },
  {
    behaviour: 'vfork (CLONE_VM|CLONE_VFORK) while time != time_for_children',
    change: 'execSwitchesTimens (2b5f9dad32ed, 6.2)',
    program: P([unshare, { task: 't0', call: 'vfork', child: 't1' }]),
    outcomes: oldAndNew(['EINVAL', (o) => err('EINVAL')(o[1])], ['created', (o) => ok(o[1])], '6.12'),
  },
  {
    behaviour: 'clone3(CLONE_NEWTIME): the child is born in the new namespace (6.1.192 has the 6.3 change by backport)',
    change: 'clone3AllowsNewtime (a402f1e35313, 6.3; in 6.1.192 by backport)',
    program: P([{ task: 't0', call: 'clone3', child: 't1', flags: ['CLONE_NEWTIME'] }, link('t1', 'time'), link('t1', 'time_for_children')]),
    outcomes: everywhere('yes', (o) => ok(o[0]) && o[1].link !== INIT_TIME && same(o[1], o[2])),
  },
  {
    behaviour: 'clone3(CLONE_NEWTIME|CLONE_VM): the child\'s time',
    change: 'execSwitchesTimens (2b5f9dad32ed, 6.2)',
    program: P([{ task: 't0', call: 'clone3', child: 't1', flags: ['CLONE_NEWTIME', 'CLONE_VM'] }, link('t1', 'time'), link('t1', 'time_for_children'), link('t0', 'time')]),
    outcomes: oldAndNew(
      ['the new namespace, while its parent, sharing the mm, stays in the old one', (o) => o[1].link !== INIT_TIME && same(o[1], o[2]) && o[3].link === INIT_TIME],
      ['its parent\'s; the new namespace is its time_for_children', (o) => o[1].link === INIT_TIME && o[2].link !== INIT_TIME],
      '6.12'),
  },
  {
    behaviour: 'timens_offsets nanoseconds of 2^64 - 1 (a negative long)',
    change: 'offsetsNegativeNsec (commits not identified)',
    program: P([unshare, openOffsets, { task: 't0', call: 'write', fd: 'f0', text: 'monotonic 5 18446744073709551615' }, { task: 't0', call: 'read', fd: 'f0' }]),
    outcomes: oldAndNew(
      ['EINVAL', (o) => err('EINVAL')(o[2]) && /^monotonic +0 +0\n/.test(o[3].text ?? '')],
      ['accepted as -1 ns', (o) => o[2].ret === 32 && /^monotonic +5 +-1\n/.test(o[3].text ?? '')],
      'current'),
  },
  {
    behaviour: 'timens_offsets: a negative nanosecond count in a record whose seconds are out of range (which check comes first)',
    change: 'offsetsNegativeNsec (commits not identified)',
    program: P([unshare, openOffsets, { task: 't0', call: 'write', fd: 'f0', text: 'monotonic -99999999999 18446744073709551615' }]),
    outcomes: {
      '6.1': { says: 'ERANGE', holds: (o) => err('ERANGE')(o[2]) },
      '6.12': { says: 'EINVAL', holds: (o) => err('EINVAL')(o[2]) },
      current: { says: 'ERANGE', holds: (o) => err('ERANGE')(o[2]) },
    },
  },
  {
    behaviour: 'NS_GET_NSTYPE on a pidfd (6.1 has no pidfd ioctl at all)',
    change: 'pidfdNsIoctl (pidfs ioctls, 6.11; commit of the 6.18 answer not identified)',
    program: P([{ task: 't0', call: 'pidfd_open', target: 't0', fd: 'f0' }, { task: 't0', call: 'ioctl', fd: 'f0', request: 'NS_GET_NSTYPE' }]),
    outcomes: {
      '6.1': { says: 'ENOTTY', holds: (o) => err('ENOTTY')(o[1]) },
      '6.12': { says: 'EINVAL', holds: (o) => err('EINVAL')(o[1]) },
      current: { says: 'ENOTTY', holds: (o) => err('ENOTTY')(o[1]) },
    },
  },
  {
    behaviour: 'pread of a pidfd',
    change: 'pidfdIsPidfsFile ("pidfd: add pidfs", 6.9)',
    program: P([{ task: 't0', call: 'pidfd_open', target: 't0', fd: 'f0' }, { task: 't0', call: 'read', fd: 'f0' }]),
    outcomes: oldAndNew(['ESPIPE', (o) => err('ESPIPE')(o[1])], ['EINVAL', (o) => err('EINVAL')(o[1])], '6.12'),
  },
  {
    behaviour: 'pidfd_open of a thread that leads no thread group',
    change: 'pidfdOpenNonLeader (commit not identified)',
    program: P([{ task: 't0', call: 'thread', child: 't1' }, { task: 't0', call: 'pidfd_open', target: 't1', fd: 'f0' }]),
    outcomes: oldAndNew(['EINVAL', (o) => err('EINVAL')(o[1])], ['ENOENT', (o) => err('ENOENT')(o[1])], 'current'),
  },
  {
    behaviour: 'the queued signal of a timer re-armed since',
    change: 'staleTimerSignalsDropped (6.13 posix-timers rework)',
    program: P([...firedTimer,
      { task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: { sec: '3600', nsec: 0 }, interval: { sec: '0', nsec: 0 } },
      { task: 't0', call: 'sigwait' }, { task: 't0', call: 'sigwait' }]),
    outcomes: oldAndNew(
      ['delivered', (o) => o[4].ret === 34 && o[4].handle === 'k0' && o[4].overrun === 0 && err('EAGAIN')(o[5])],
      ['dropped', (o) => err('EAGAIN')(o[4]) && err('EAGAIN')(o[5])],
      'current'),
  },
  {
    behaviour: 'the queued signal of a timer deleted since',
    change: 'staleTimerSignalsDropped (6.13 posix-timers rework)',
    program: P([...firedTimer, { task: 't0', call: 'timer_delete', timer: 'k0' }, { task: 't0', call: 'sigwait' }]),
    outcomes: oldAndNew(
      ['delivered', (o) => o[4].ret === 34 && o[4].handle === 'k0'],
      ['dropped', (o) => err('EAGAIN')(o[4])],
      'current'),
  },
  {
    behaviour: 'a timer that fires again while its signal is queued: the overrun of that signal',
    change: 'staleTimerSignalsDropped (6.13 posix-timers rework)',
    program: P([...firedTimer,
      { task: 't0', call: 'timer_settime', timer: 'k0', abs: false, value: { sec: '0', nsec: 1_000_000 }, interval: { sec: '0', nsec: 0 } },
      { host: 'advance', ns: '10000000' },
      { task: 't0', call: 'sigwait' }, { task: 't0', call: 'sigwait' }]),
    outcomes: oldAndNew(
      ['one signal, overrun 1 (send_sigqueue counts the re-send)', (o) => o[5].ret === 34 && o[5].overrun === 1 && err('EAGAIN')(o[6])],
      ['one signal, overrun 0', (o) => o[5].ret === 34 && o[5].overrun === 0 && err('EAGAIN')(o[6])],
      'current'),
  },
];

/** The README's table of behaviour by version, one row per scenario. */
export function versionTable(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = VERSION_SCENARIOS.map((s) => `| ${[s.behaviour, s.outcomes['6.1'].says, s.outcomes['6.12'].says, s.outcomes.current.says, s.change].map(cell).join(' | ')} |`);
  return [
    '| behaviour | 6.1 (6.1.192) | 6.12 (6.12.117) | current (6.18.44) | change (model/profile.ts) |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
