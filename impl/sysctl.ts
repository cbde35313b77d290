// /proc/sys/user/max_time_namespaces (kernel/ucount.c: user_table, set_lookup, set_permissions).
// The file shows the limit of the reader's own user namespace; only CAP_SYS_RESOURCE there makes it
// writable (else the open fails with EACCES), and proc_dointvec_minmax bounds it to [0, INT_MAX].
import { INT_MAX, type Errno } from '../vocab/index.ts';
import { capBit, nsCapable } from './cred.ts';
import type { Task } from './sched.ts';

export function sysctlRead(me: Task): string {
  return String(me.cred.userNs.maxTimeNamespaces);
}

export function sysctlWrite(me: Task, value: number): Errno | null {
  const ns = me.cred.userNs;
  if (!nsCapable(me, ns, capBit('CAP_SYS_RESOURCE'))) return 'EACCES';
  if (!Number.isInteger(value) || value < 0 || value > INT_MAX) return 'EINVAL';
  ns.maxTimeNamespaces = value;
  return null;
}
