// Edges of the values read from procfs, sysctl and times(2) on the model, by the kernel's rules.
import { describe, expect, it } from 'vitest';
import { INT_MAX, type Step } from '../../vocab/index.ts';
import { environment, hostClocks, run } from './run.ts';

const inBoottimeShift = (offset: string): Step[] => [
  { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'rw', fd: 'f1' },
  { task: 't0', call: 'write', fd: 'f1', text: `boottime ${offset}` },
  { task: 't0', call: 'fork', child: 't1' },
];

describe('btime, sysctl and times at their edges', () => {
  it('btime of a namespace booted in the epoch\'s first second is 0, not wrapped', () => {
    // show_stat: getboottime64 - timens_sub_boottime, tv_sec as unsigned long long. The host boots at
    // realtime 1795911312 s (run.ts); a boottime offset of that much, or half a second less, leaves
    // tv_sec 0, which needs no wrap (only a negative tv_sec shows as 2^64 + tv_sec).
    for (const offset of ['1795911312 0', '1795911311 500000000']) {
      const r = run(inBoottimeShift(offset));
      expect(r.do({ task: 't1', call: 'read_btime' }), offset).toEqual({ ret: 0, value: '0' });
    }
  });

  it('max_time_namespaces takes INT_MAX and refuses one more', () => {
    // kernel/ucount.c: proc_dointvec_minmax with extra2 SYSCTL_INT_MAX; do_proc_dointvec_conv refuses a
    // value past INT_MAX with EINVAL and leaves the old value.
    const r = run([{ task: 't0', call: 'sysctl_write', value: 7 }], environment());
    expect(r.do({ task: 't0', call: 'sysctl_write', value: INT_MAX + 1 })).toEqual({ err: 'EINVAL' });
    expect(r.do({ task: 't0', call: 'sysctl_read' })).toEqual({ ret: 0, value: '7' });
    expect(r.do({ task: 't0', call: 'sysctl_write', value: INT_MAX })).toEqual({ ret: 0 });
    expect(r.do({ task: 't0', call: 'sysctl_read' })).toEqual({ ret: 0, value: String(INT_MAX) });
  });

  it('times: the CPU time in clock ticks of 10 ms (nsec_to_clock_t, USER_HZ 100)', () => {
    // do_sys_times: tms_stime = nsec_to_clock_t(stime) = stime / (NSEC_PER_SEC / USER_HZ); the harness's
    // cputime is all system time (docs/conventions.md, "Host time").
    const r = run([]);
    const o = r.do({ task: 't0', call: 'times' }, hostClocks({ cputime: 2_519_999_999n }));
    expect(o.tms).toEqual({ utime: 0, stime: 251, cutime: 0, cstime: 0 });
  });
});
