// The clock and procfs selftests (timens.c, procfs.c, exec.c, vfork_exec.c, gettime_perf.c) as scenarios.
// Their tolerances ("within a day", "within 5 s", "within 300 s") exist because real time passes while
// they run; here host time is known at every step, so each read is checked exactly: the host's value
// plus the offset of the reader's time namespace (reference §6.1, §8).
import type { ClockName, Step, TaskHandle } from '../../vocab/index.ts';
import {
  DAY, SEC, Script, btimeReads, linkIs, linkIsNew, reads, returns, uptimeReads,
  type Check, type Scenario,
} from './script.ts';

const R_LINK = 'time:[4026531834]';

const unshare: Step = { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] };
const openTfc = (fd: string): Step => ({ task: 't0', call: 'open', target: 't0', file: 'ns/time_for_children', mode: 'r', fd });
const setns = (fd: string, task: TaskHandle = 't0'): Step => ({ task, call: 'setns', fd, nstype: ['CLONE_NEWTIME'] });
const gettime = (task: TaskHandle, clock: ClockName, vdso: boolean): Step => ({ task, call: 'clock_gettime', clock, vdso });
const entry = (vdso: boolean) => (vdso ? 'vDSO' : 'syscall');

/** timens.h _settime: open /proc/self/timens_offsets, write "<clock id> <sec> 0", close. */
export function settime(s: Script, fd: string, clockId: 1 | 7, sec: bigint): void {
  const text = `${clockId} ${sec} 0`;
  s.step({ task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd }, returns(0, 'open for writing'));
  s.step({ task: 't0', call: 'write', fd, text }, returns(text.length, 'the offset write is taken whole'));
  s.step({ task: 't0', call: 'close', fd }, returns(0));
}

/** Checks that belong to one focus of a scenario built from a shared program. */
const when = (on: boolean, ...checks: Check[]) => (on ? checks : []);

// ---- timens.c ----------------------------------------------------------------------------------

function timensInit(): Scenario {
  const s = new Script('selftests/timens.c/init');
  s.step(openTfc('f1'), returns(0));
  s.step({ task: 't0', call: 'readlink', target: 't0', link: 'time_for_children' }, linkIs(R_LINK));
  s.step(unshare, returns(0));
  s.step(openTfc('f2'), returns(0));
  s.step({ task: 't0', call: 'readlink', target: 't0', link: 'time_for_children' }, linkIsNew(R_LINK));
  s.step({ task: 't0', call: 'readlink', target: 't0', link: 'time' }, linkIs(R_LINK));
  return s.scenario('timens: unshare(CLONE_NEWTIME) gives time_for_children a new namespace and leaves time alone',
    'timens.c: init_namespaces; procfs.c: init_namespaces');
}

/** timens.c main: BOOTTIME (index 0) gets 10 days, MONOTONIC (index 2) 10 days + 2000 s; the others share. */
const TIMENS_CLOCKS: [ClockName, bigint][] = [
  ['CLOCK_BOOTTIME', 10n * DAY],
  ['CLOCK_BOOTTIME_ALARM', 10n * DAY],
  ['CLOCK_MONOTONIC', 10n * DAY + 2000n * SEC],
  ['CLOCK_MONOTONIC_COARSE', 10n * DAY + 2000n * SEC],
  ['CLOCK_MONOTONIC_RAW', 10n * DAY + 2000n * SEC],
];

function timensGettime(clock: ClockName, offset: bigint, vdso: boolean): Scenario {
  const s = new Script(`selftests/timens.c/${clock}/${entry(vdso)}`);
  s.step(openTfc('f1'), returns(0));
  s.step(unshare, returns(0));
  s.step(openTfc('f2'), returns(0));
  settime(s, 'f3', 7, 10n * DAY / SEC);
  settime(s, 'f4', 1, (10n * DAY + 2000n * SEC) / SEC);
  s.step(setns('f1'), returns(0, 'setns to the parent namespace'));
  s.step(gettime('t0', clock, vdso), reads(clock, 0n, 'a task in the initial namespace'));
  s.step(setns('f2'), returns(0, 'setns to the child namespace'));
  s.step(gettime('t0', clock, vdso), reads(clock, offset, 'a task in the child namespace'));
  s.step(setns('f1'), returns(0, 'setns back to the parent namespace'));
  s.step(gettime('t0', clock, vdso), reads(clock, 0n, 'a task back in the initial namespace'));
  return s.scenario(
    `timens: ${clock} (${entry(vdso)}) reads host + ${offset / SEC} s in the child namespace, the host's value outside`,
    'timens.c: test_gettime');
}

// ---- procfs.c ----------------------------------------------------------------------------------

function procfs(what: 'uptime' | 'btime'): Scenario {
  const s = new Script(`selftests/procfs.c/${what}`);
  s.step(openTfc('f1'), returns(0));
  s.step(unshare, returns(0));
  s.step(openTfc('f2'), returns(0));
  settime(s, 'f3', 7, 10n * DAY / SEC);
  s.step(setns('f1'), returns(0));
  if (what === 'uptime') s.step({ task: 't0', call: 'read_uptime' }, uptimeReads(0n));
  else s.step({ task: 't0', call: 'read_btime' }, btimeReads(0n));
  s.step(setns('f2'), returns(0));
  if (what === 'uptime') s.step({ task: 't0', call: 'read_uptime' }, uptimeReads(10n * DAY));
  else s.step({ task: 't0', call: 'read_btime' }, btimeReads(10n * DAY / SEC));
  return what === 'uptime'
    ? s.scenario('procfs: /proc/uptime inside a namespace with 10 days of BOOTTIME offset is 10 days ahead', 'procfs.c: check_uptime')
    : s.scenario('procfs: /proc/stat btime inside a namespace with 10 days of BOOTTIME offset is exactly 10 days earlier', 'procfs.c: check_stat_btime');
}

// ---- exec.c ------------------------------------------------------------------------------------

const EXEC_OFFSET = 36000n * SEC;

function exec(focus: 'parent' | 'child' | 'exec'): Scenario {
  const s = new Script(`selftests/exec.c/${focus}`);
  s.step(gettime('t0', 'CLOCK_MONOTONIC', true), reads('CLOCK_MONOTONIC', 0n));
  s.step(unshare, returns(0));
  settime(s, 'f1', 1, EXEC_OFFSET / SEC);
  for (const vdso of [false, true])
    s.step(gettime('t0', 'CLOCK_MONOTONIC', vdso), ...when(focus === 'parent', reads('CLOCK_MONOTONIC', 0n, `the unsharing parent (${entry(vdso)})`)));
  s.step({ task: 't0', call: 'fork', child: 't1' }, returns(0));
  for (const vdso of [false, true])
    s.step(gettime('t1', 'CLOCK_MONOTONIC', vdso), ...when(focus === 'child', reads('CLOCK_MONOTONIC', EXEC_OFFSET, `the forked child (${entry(vdso)})`)));
  s.step({ task: 't1', call: 'exec' }, returns(0));
  for (const vdso of [false, true])
    s.step(gettime('t1', 'CLOCK_MONOTONIC', vdso), ...when(focus === 'exec', reads('CLOCK_MONOTONIC', EXEC_OFFSET, `the child after execve (${entry(vdso)})`)));
  s.step({ task: 't1', call: 'exit_group' });
  s.step({ task: 't0', call: 'wait', child: 't1' }, returns(1, 'the child is reaped'));
  const name = {
    parent: 'exec: after unshare and a MONOTONIC offset write the caller itself still reads host CLOCK_MONOTONIC',
    child: 'exec: a child forked after unshare reads host CLOCK_MONOTONIC + 36000 s (syscall and vDSO)',
    exec: 'exec: after execve the child still reads host CLOCK_MONOTONIC + 36000 s (syscall and vDSO)',
  }[focus];
  return s.scenario(name, 'exec.c: main');
}

// ---- vfork_exec.c ------------------------------------------------------------------------------

/** vfork_exec.c check(): both entries in the task, then both in a new thread of it, which exits. */
function check(s: Script, task: TaskHandle, thread: TaskHandle, offset: bigint, on: boolean, who: string): void {
  for (const vdso of [false, true])
    s.step(gettime(task, 'CLOCK_MONOTONIC', vdso), ...when(on, reads('CLOCK_MONOTONIC', offset, `${who} (${entry(vdso)})`)));
  s.step({ task, call: 'thread', child: thread }, ...when(on, returns(0)));
  for (const vdso of [false, true])
    s.step(gettime(thread, 'CLOCK_MONOTONIC', vdso), ...when(on, reads('CLOCK_MONOTONIC', offset, `a thread of ${who} (${entry(vdso)})`)));
  s.step({ task: thread, call: 'exit' });
}

function vforkExec(focus: 'before' | 'child' | 'after'): Scenario {
  const s = new Script(`selftests/vfork_exec.c/${focus}`);
  s.step(gettime('t0', 'CLOCK_MONOTONIC', true), reads('CLOCK_MONOTONIC', 0n));
  s.step(unshare, returns(0));
  settime(s, 'f1', 1, EXEC_OFFSET / SEC);
  check(s, 't0', 't1', 0n, focus === 'before', 'the parent before vfork');
  s.step({ task: 't0', call: 'vfork', child: 't2' }, returns(0));
  s.step({ task: 't2', call: 'exec' }, returns(0));
  check(s, 't2', 't3', EXEC_OFFSET, focus === 'child', 'the vfork child after execve');
  s.step({ task: 't2', call: 'exit_group' });
  s.step({ task: 't0', call: 'wait', child: 't2' }, ...when(focus === 'after', returns(1, 'the vfork child is reaped')));
  check(s, 't0', 't4', 0n, focus === 'after', 'the parent after vfork');
  const name = {
    before: 'vfork_exec: after unshare the parent and its new thread still read host CLOCK_MONOTONIC',
    child: 'vfork_exec: a vfork child after execve reads host CLOCK_MONOTONIC + 36000 s, and so does its thread',
    after: 'vfork_exec: once the vfork child has exited the parent and its new thread still read host CLOCK_MONOTONIC',
  }[focus];
  return s.scenario(name, focus === 'child' ? 'vfork_exec.c: main (argv child), check, check_in_thread' : 'vfork_exec.c: main, check, check_in_thread');
}

// ---- gettime_perf.c ----------------------------------------------------------------------------

const PERF_CLOCKS: ClockName[] = ['CLOCK_MONOTONIC', 'CLOCK_MONOTONIC_COARSE', 'CLOCK_MONOTONIC_RAW', 'CLOCK_BOOTTIME'];

/** test(): vDSO reads until the clock has moved 3 s; here: read, 3 s pass, read again. */
function gettimePerf(clock: ClockName, inNs: boolean): Scenario {
  const s = new Script(`selftests/gettime_perf.c/${clock}/${inNs ? 'ns' : 'host'}`);
  const offset = inNs ? 10n * SEC : 0n;
  if (inNs) {
    s.step(unshare, returns(0));
    s.step(openTfc('f1'), returns(0));
    settime(s, 'f2', 1, 10n);
    settime(s, 'f3', 7, 10n);
    s.step(setns('f1'), returns(0));
  }
  s.step(gettime('t0', clock, true), reads(clock, offset, 'the first vDSO read'));
  s.step({ host: 'advance', ns: String(3n * SEC) }, returns(0));
  s.step(gettime('t0', clock, true), reads(clock, offset, 'the vDSO read 3 s later'));
  return s.scenario(
    `gettime_perf: vDSO ${clock} ${inNs ? 'in a namespace with 10 s offsets reads host + 10 s' : 'in the initial namespace reads the host'} and moves with it`,
    'gettime_perf.c: test');
}

export const NAMESPACE_SCENARIOS: Scenario[] = [
  timensInit(),
  ...TIMENS_CLOCKS.flatMap(([clock, offset]) => [timensGettime(clock, offset, false), timensGettime(clock, offset, true)]),
  procfs('uptime'),
  procfs('btime'),
  exec('parent'), exec('child'), exec('exec'),
  vforkExec('before'), vforkExec('child'), vforkExec('after'),
  ...PERF_CLOCKS.flatMap((clock) => [gettimePerf(clock, false), gettimePerf(clock, true)]),
];
