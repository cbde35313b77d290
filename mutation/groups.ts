// The files of impl/ and model/ in groups of about 500 lines, for runs in parts: `npm run mutate -- --group K`
// runs group K alone (on one machine after another, or one CI job each: .github/workflows/mutation.yml),
// and the parts add up in the incremental file. test/mutation-report.test.ts checks that the groups hold
// every file exactly once, so a new file cannot be left out of the score.
export const GROUPS: string[][] = [
  ['impl/index.ts', 'impl/hrtimer.ts'],
  ['impl/posix_timers.ts', 'impl/timerfd.ts'],
  ['impl/proc_timens.ts', 'impl/nsproxy.ts', 'impl/sched.ts'],
  ['impl/abstract.ts', 'impl/vdso.ts', 'impl/cred.ts', 'impl/user_namespace.ts'],
  ['impl/timekeeping.ts', 'impl/fork.ts', 'impl/clocks.ts', 'impl/exit.ts', 'impl/time_namespace.ts'],
  ['impl/sys.ts', 'impl/signal.ts', 'impl/files.ts', 'impl/exec.ts', 'impl/unshare.ts', 'impl/features.ts',
    'impl/nanosleep.ts', 'impl/posix_cpu_timers.ts', 'impl/ida.ts', 'impl/futex.ts', 'impl/sysctl.ts', 'impl/nsfs.ts', 'impl/seq_file.ts'],
  ['model/state.ts', 'model/tasks.ts'],
  ['model/timers.ts', 'model/timerfd.ts', 'model/namespaces.ts'],
  ['model/abstract.ts', 'model/index.ts', 'model/creds.ts'],
  ['model/offsets.ts', 'model/invariants.ts', 'model/hosttime.ts', 'model/lifetime.ts'],
  ['model/ktime.ts', 'model/sleep.ts', 'model/ids.ts', 'model/clocks.ts', 'model/profile.ts', 'model/files.ts',
    'model/procfs.ts', 'model/inodes.ts', 'model/seqfile.ts', 'model/cpuclocks.ts'],
];

/** The files of group `k` (1-based), or an error naming what is wrong with `k`. */
export function group(k: string): string[] | Error {
  const n = /^\d+$/.test(k) ? Number(k) : NaN;
  if (!(n >= 1 && n <= GROUPS.length)) return new Error(`--group takes a number from 1 to ${GROUPS.length}, not "${k}"`);
  return GROUPS[n - 1];
}
