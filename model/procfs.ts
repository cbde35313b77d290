// Shifted procfs and sysinfo values (fs/proc/uptime.c, kernel/sys.c: do_sysinfo, fs/proc/stat.c),
// read with the reader's time_ns, and the per-user-namespace sysctl max_time_namespaces
// (kernel/ucount.c: set_permissions, proc_dointvec_minmax with [0, INT_MAX]).
import { INT_MAX, NSEC_PER_SEC, type HostClocks, type Observation } from '../vocab/index.ts';
import { capable } from './creds.ts';
import { floorSec } from './offsets.ts';
import { nsToNanos, type Task } from './state.ts';

/** NSEC_PER_SEC / USER_HZ: the nanoseconds of one clock tick (nsec_to_clock_t). */
const CLOCK_TICK_NS = 10_000_000n;

const centis = (n: bigint) => String((n - floorSec(n) * NSEC_PER_SEC) / 10_000_000n).padStart(2, '0');

// uptime_proc_show: "%lu.%02lu %lu.%02lu\n"; only the uptime field is shifted.
export function readUptime(t: Task, host: HostClocks): Observation {
  const up = host.boottime + nsToNanos(t.timeNs!.boottime);
  const text = `${floorSec(up)}.${centis(up)} ${floorSec(host.idle)}.${centis(host.idle)}\n`;
  return { ret: text.length, text };
}

// do_sysinfo: whole seconds of the shifted boottime, rounded up.
export function sysSysinfo(t: Task, host: HostClocks): Observation {
  const up = host.boottime + nsToNanos(t.timeNs!.boottime);
  const sec = floorSec(up);
  return { ret: 0, value: String(up === sec * NSEC_PER_SEC ? sec : sec + 1n) };
}

// show_stat: getboottime64 - boottime offset (timens_sub_boottime), printed as unsigned long long.
export function readBtime(t: Task, host: HostClocks): Observation {
  const sec = floorSec(host.bootRealtime - nsToNanos(t.timeNs!.boottime));
  return { ret: 0, value: String(sec < 0n ? sec + (1n << 64n) : sec) };
}

// do_task_stat: nsec_to_clock_t(timens_add_boottime_ns(task->start_boottime)), the offset of the
// READER's time_ns (current's), in u64 arithmetic: a start before that namespace's zero wraps.
export function readStarttime(reader: Task, target: Task): Observation {
  const ns = BigInt.asUintN(64, target.startBoottime + nsToNanos(reader.timeNs!.boottime));
  return { ret: 0, value: String(ns / CLOCK_TICK_NS) };
}

export function sysctlRead(t: Task): Observation {
  return { ret: 0, value: String(t.creds.userNs.maxTimeNamespaces) };
}

// Opening for writing needs CAP_SYS_RESOURCE in the caller's user namespace (EACCES); the value
// must be an integer in [0, INT_MAX] (EINVAL).
export function sysctlWrite(t: Task, value: number): Observation {
  const ns = t.creds.userNs;
  if (!capable(t.creds, ns, 'CAP_SYS_RESOURCE')) return { err: 'EACCES' };
  if (!Number.isInteger(value) || value < 0 || value > INT_MAX) return { err: 'EINVAL' };
  ns.maxTimeNamespaces = value;
  return { ret: 0 };
}
