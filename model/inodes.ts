// The proc inode pool (fs/proc/generic.c: proc_alloc_inum). Time and user namespaces draw from one
// pool: the lowest number from PROC_DYNAMIC_FIRST up that no live namespace holds. A number is free
// again as soon as its namespace is freed (see lifetime.ts).
import { PROC_DYNAMIC_FIRST } from '../vocab/index.ts';
import type { ModelState } from './state.ts';

export function procAllocInum(s: ModelState): number {
  const used = (n: number) =>
    s.timeNamespaces.some((ns) => ns.inum === n) || s.userNamespaces.some((ns) => ns.inum === n);
  let n = PROC_DYNAMIC_FIRST;
  while (used(n)) n++;
  return n;
}
