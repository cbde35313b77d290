// Clock syscalls (kernel/time/posix-timers.c, posix-stubs, alarmtimer.c) and the shifted procfs
// values (fs/proc/uptime.c, kernel/sys.c do_sysinfo, fs/proc/stat.c btime). The syscall path adds
// offsets on bigints in the kernel (timens_add_*); the vDSO path is in vdso.ts and must agree.
import { CLOCKS, KTIME_SEC_MAX, NSEC_PER_SEC, type ClockRef, type Errno } from '../vocab/index.ts';
import { capBit, capCapable } from './cred.ts';
import { negativeKclock } from './posix_cpu_timers.ts';
import type { Kernel, Task } from './sched.ts';
import { timensAddBoottime, timensAddMonotonic, timespecToNs } from './time_namespace.ts';
import { cvdsoClockGetres, cvdsoClockGettime } from './vdso.ts';

export function clockId(c: ClockRef): number {
  return typeof c === 'number' ? c : CLOCKS[c];
}

/** posix_get_*_timespec with the kernel-side namespace offset; a negative id's k_clock never has one. */
export function clockGettimeSyscall(k: Kernel, me: Task, clk: number): bigint | Errno {
  if (clk < 0) return negativeKclock(clk).clockGet(k, me, clk);
  const h = k.host;
  const ns = me.nsproxy!.timeNs;
  switch (clk) {
    case 0: return h.realtime;
    case 1: return timensAddMonotonic(k, ns, h.monotonic);
    case 2: case 3: return h.cputime;
    case 4: return timensAddMonotonic(k, ns, h.monotonicRaw);
    case 5: return h.realtimeCoarse;
    case 6: return timensAddMonotonic(k, ns, h.monotonicCoarse);
    case 7: return timensAddBoottime(k, ns, h.boottime);
    case 8: return k.env.rtc ? h.realtime : 'EINVAL';
    case 9: return k.env.rtc ? timensAddBoottime(k, ns, h.boottime) : 'EINVAL';
    case 11: return h.tai;
    default: return 'EINVAL';
  }
}

/** Scratch buffer of the vDSO reads, allocated once per kernel instance by the caller. */
export function clockGettime(k: Kernel, me: Task, clk: number, vdso: boolean, out: Float64Array): bigint | Errno {
  if (vdso && cvdsoClockGettime(me.mm!, clk, out) === 0) return BigInt(out[0]) * NSEC_PER_SEC + BigInt(out[1]);
  return clockGettimeSyscall(k, me, clk);
}

/** gettimeofday(): ktime_get_real_ts64 in microseconds; the vDSO path is __cvdso_clock_gettime_data of
 *  CLOCK_REALTIME (a timens page redirects it to the real one, whose realtime offset is none). */
export function gettimeofday(k: Kernel, me: Task, vdso: boolean, out: Float64Array): bigint {
  const ns = vdso && cvdsoClockGettime(me.mm!, CLOCKS.CLOCK_REALTIME, out) === 0
    ? BigInt(out[0]) * NSEC_PER_SEC + BigInt(out[1])
    : k.host.realtime;
  return (ns / 1000n) * 1000n;
}

/** time(): ktime_get_real_seconds(), tk->xtime_sec (a tv_sec: rounded down); the vDSO reads the same seconds. */
export function sysTime(k: Kernel, me: Task, vdso: boolean, out: Float64Array): bigint {
  if (vdso && cvdsoClockGettime(me.mm!, CLOCKS.CLOCK_REALTIME_COARSE, out) === 0) return BigInt(out[0]) * NSEC_PER_SEC;
  return splitTs(k.host.realtimeCoarse)[0] * NSEC_PER_SEC;
}

/** clock_getres(): never namespaced. */
export function clockGetres(k: Kernel, me: Task, clk: number, vdso: boolean, out: Float64Array): bigint | Errno {
  if (vdso && cvdsoClockGetres(me.mm!, clk, out) === 0) return BigInt(out[0]) * NSEC_PER_SEC + BigInt(out[1]);
  if (clk < 0) return negativeKclock(clk).clockGetres(k, me, clk);
  switch (clk) {
    case 0: case 1: case 2: case 3: case 4: case 7: case 11: return 1n;
    case 5: case 6: return k.env.tickNs;
    case 8: case 9: return k.env.rtc ? 1n : 'EINVAL';
    default: return 'EINVAL';
  }
}

/** clock_settime(): only CLOCK_REALTIME can be set, by CAP_SYS_TIME in the initial user ns. */
export function clockSettime(k: Kernel, me: Task, clk: number, sec: bigint, nsec: number): Errno | null {
  if (clk < 0) return negativeKclock(clk).clockSet(k, me, clk);
  if (clk !== 0) return 'EINVAL';
  // timespec64_valid_settod(); TIME_SETTOD_SEC_MAX (a macro, worked out at each check) is KTIME_SEC_MAX
  // minus 30 years of uptime headroom.
  if (sec < 0n || !Number.isInteger(nsec) || nsec < 0 || nsec >= 1e9 || sec >= KTIME_SEC_MAX - 30n * 365n * 86400n) return 'EINVAL';
  if (!capCapable(me.cred, k.initUserNs, capBit('CAP_SYS_TIME'))) return 'EPERM';
  // do_settimeofday64(): the wall clock may not be set before the monotonic clock's zero.
  if (k.host.monotonic > sec * 1_000_000_000n + BigInt(nsec)) return 'EINVAL';
  return null;
}

/** NSEC_PER_SEC / USER_HZ (nsec_to_clock_t). */
const CLOCK_TICK_NS = 10_000_000n;

/** Boottime as the caller's namespace sees it (ktime_get_boottime_ts64 + timens_add_boottime). */
function nsBoottime(k: Kernel, me: Task): bigint {
  return timensAddBoottime(k, me.nsproxy!.timeNs, k.host.boottime);
}

function splitTs(t: bigint): [bigint, bigint] {
  let sec = t / NSEC_PER_SEC;
  let nsec = t % NSEC_PER_SEC;
  if (nsec < 0n) { nsec += NSEC_PER_SEC; sec -= 1n; }
  return [sec, nsec];
}

/** uptime_proc_show(): "%lu.%02lu %lu.%02lu\n", the idle field unshifted. */
export function readUptime(k: Kernel, me: Task): string {
  const [us, un] = splitTs(nsBoottime(k, me));
  const [is, inn] = splitTs(k.host.idle);
  const cs = (n: bigint) => (n / 10_000_000n).toString().padStart(2, '0');
  return `${us}.${cs(un)} ${is}.${cs(inn)}\n`;
}

/** do_sysinfo(): uptime in whole seconds, rounded up. */
export function sysinfoUptime(k: Kernel, me: Task): bigint {
  const [s, n] = splitTs(nsBoottime(k, me));
  return s + (n !== 0n ? 1n : 0n);
}

/** do_task_stat(): nsec_to_clock_t(timens_add_boottime_ns(task->start_boottime)) with the reader's
 *  (current's) namespace, in u64: seq_put_decimal_ull prints a start before its zero wrapped. */
export function procStatStarttime(k: Kernel, me: Task, task: Task): bigint {
  return BigInt.asUintN(64, timensAddBoottime(k, me.nsproxy!.timeNs, task.startBoottime)) / CLOCK_TICK_NS;
}

/** sys_times(): do_sys_times fills struct tms from thread_group_cputime_adjusted (the harness's CPU
 *  time, all system time) and signal->cutime, cstime; the return value is jiffies_64_to_clock_t. */
export function sysTimes(k: Kernel, me: Task): { ret: bigint; tms: [bigint, bigint, bigint, bigint] } {
  const g = me.group;
  return { ret: k.host.clockTicks, tms: [0n, k.host.cputime / CLOCK_TICK_NS, g.cutime / CLOCK_TICK_NS, g.cstime / CLOCK_TICK_NS] };
}

/** show_stat(): btime = getboottime64 - boottime offset (timens_sub_boottime), printed with
 *  seq_put_decimal_ull: a boot time before 1970 shows as its 64-bit two's complement. */
export function readBtime(k: Kernel, me: Task): bigint {
  const ns = me.nsproxy!.timeNs;
  const off = ns === k.initTimeNs ? 0n : timespecToNs(ns.boottime);
  return BigInt.asUintN(64, splitTs(k.host.bootRealtime - off)[0]);
}
