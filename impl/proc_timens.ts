// /proc/PID/timens_offsets (fs/proc/base.c: timens_offsets_{show,write}; kernel/time/namespace.c:
// proc_timens_show_offsets, proc_timens_set_offset). Both directions act on the target's tfc.
// A frozen namespace's text never changes, so it is formatted once and kept with the namespace; an
// unfrozen one is formatted in one pass on each read. Writes are parsed in one pass over the bytes,
// mirroring sscanf("%9s %lld %lu") per line, with no regex and no intermediate strings per field.
import { KTIME_SEC_MAX, NSEC_PER_SEC, type Errno } from '../vocab/index.ts';
import { capBit, capCapable, nsCapable } from './cred.ts';
import type { File, Kernel, Task } from './sched.ts';
import type { TimeNamespace, Timespec } from './time_namespace.ts';
import { fromKgid, fromKuid, makeKgid, makeKuid } from './user_namespace.ts';

const CLOCK_MONOTONIC = 1;
const CLOCK_BOOTTIME = 7;
const PAGE_SIZE = 4096;

// ---- read ----------------------------------------------------------------------------------------

function showOffset(name: string, ts: Timespec): string {
  // seq_printf("%-10s %10lld %9ld\n")
  return name.padEnd(10) + ' ' + ts.sec.toString().padStart(10) + ' ' + ts.nsec.toString().padStart(9) + '\n';
}

/** proc_timens_show_offsets() of a tfc. */
export function timensOffsetsText(ns: TimeNamespace): string {
  if (ns.procText !== null) return ns.procText;
  const text = showOffset('monotonic', ns.monotonic) + showOffset('boottime', ns.boottime);
  // Offsets are immutable once frozen: keep the text with the namespace.
  if (ns.frozenOffsets) ns.procText = text;
  return text;
}

const encoder = new TextEncoder();

/** timens_offsets_show(): ESRCH for a reaped target, an empty record for one without namespaces. */
export function timensOffsetsShow(k: Kernel, pid: number): Uint8Array | Errno {
  const p = k.pidHash.get(pid);
  if (p === undefined) return 'ESRCH';
  if (p.nsproxy === null) return new Uint8Array(0);
  return encoder.encode(timensOffsetsText(p.nsproxy.timeNsForChildren));
}

// ---- open ----------------------------------------------------------------------------------------

/** task_dump_owner(): the proc inode's uid. Non-dumpable tasks' files belong to root of the mm's
 *  user namespace (global root when unmapped), and files of a task without mm to global root. */
export function taskDumpOwner(t: Task): number {
  if (t.mm === null) return 0;
  if (t.mm.dumpable) return t.cred.uid;
  const uid = makeKuid(t.mm.userNs, 0);
  return uid === -1 ? 0 : uid;
}

/** task_dump_owner(): the proc inode's gid, by the same rules. */
export function taskDumpGroup(t: Task): number {
  if (t.mm === null) return 0;
  if (t.mm.dumpable) return t.cred.gid;
  const gid = makeKgid(t.mm.userNs, 0);
  return gid === -1 ? 0 : gid;
}

/** generic_permission() on the 0644 file: the owner may write; others need CAP_DAC_OVERRIDE with
 *  the inode's ids mapped in their user namespace. */
export function procWritePermitted(me: Task, target: Task): boolean {
  const owner = taskDumpOwner(target);
  if (me.cred.uid === owner) return true;
  const ns = me.cred.userNs;
  return nsCapable(me, ns, capBit('CAP_DAC_OVERRIDE')) && fromKuid(ns, owner) !== -1
    && fromKgid(ns, taskDumpGroup(target)) !== -1;
}

// ---- write ---------------------------------------------------------------------------------------

export interface OffsetRecord {
  clockid: number;
  val: Timespec;
}

export interface ParsedOffsets {
  records: OffsetRecord[];
  /** Bytes the write consumes (less than the buffer when a third line is left unread). */
  count: number;
}

/** isspace() of the kernel's ctype table (latin-1: NBSP is a space too). */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 160;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const MONOTONIC_TOKEN = [109, 111, 110, 111, 116, 111, 110, 105, 99]; // "monotonic"
const BOOTTIME_TOKEN = [98, 111, 111, 116, 116, 105, 109, 101]; // "boottime"

function tokenIs(buf: Uint8Array, start: number, end: number, token: number[]): boolean {
  if (end - start !== token.length) return false;
  for (let i = 0; i < token.length; i++) if (buf[start + i] !== token[i]) return false;
  return true;
}

/** One line through sscanf(line, "%9s %lld %lu"): null unless all three conversions succeed. */
function scanRecord(buf: Uint8Array, start: number, end: number): OffsetRecord | null {
  let i = start;
  // %9s
  if (i >= end) return null;
  while (i < end && isSpace(buf[i])) i++;
  const tokStart = i;
  while (i < end && !isSpace(buf[i]) && i - tokStart < 9) i++;
  const tokEnd = i;
  // " %lld": a '-' must be followed by a digit; digits wrap modulo 2^64 as simple_strntoll does.
  while (i < end && isSpace(buf[i])) i++;
  if (i >= end) return null;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    if (i + 1 >= end || !isDigit(buf[i + 1])) return null;
    i++;
  } else if (!isDigit(buf[i])) {
    return null;
  }
  let v = 0n;
  while (i < end && isDigit(buf[i])) v = BigInt.asUintN(64, v * 10n + BigInt(buf[i++] - 48));
  const sec = BigInt.asIntN(64, neg ? -v : v);
  // " %lu": unsigned, no sign accepted; stored into a signed long.
  while (i < end && isSpace(buf[i])) i++;
  if (i >= end || !isDigit(buf[i])) return null;
  let u = 0n;
  while (i < end && isDigit(buf[i])) u = BigInt.asUintN(64, u * 10n + BigInt(buf[i++] - 48));
  const nsec = BigInt.asIntN(64, u);
  if (nsec >= NSEC_PER_SEC) return null;
  let clockid: number;
  if (tokenIs(buf, tokStart, tokEnd, MONOTONIC_TOKEN) || (tokEnd - tokStart === 1 && buf[tokStart] === 49)) clockid = CLOCK_MONOTONIC;
  else if (tokenIs(buf, tokStart, tokEnd, BOOTTIME_TOKEN) || (tokEnd - tokStart === 1 && buf[tokStart] === 55)) clockid = CLOCK_BOOTTIME;
  else return null;
  return { clockid, val: { sec, nsec } };
}

/** The parse loop of timens_offsets_write(): lines split at '\n', at most two records. */
export function parseTimensOffsets(buf: Uint8Array): ParsedOffsets | 'EINVAL' {
  if (buf.length >= PAGE_SIZE) return 'EINVAL';
  // The kernel works on a NUL-terminated copy: an embedded NUL ends the text.
  let len = buf.indexOf(0);
  if (len < 0) len = buf.length;
  let count = buf.length;
  const records: OffsetRecord[] = [];
  let pos = 0;
  for (;;) {
    let lineEnd = buf.indexOf(10, pos);
    let next = -1;
    if (lineEnd < 0 || lineEnd >= len) lineEnd = len;
    else {
      next = lineEnd + 1;
      if (next >= len) next = -1;
    }
    const rec = scanRecord(buf, pos, lineEnd);
    if (rec === null) return 'EINVAL';
    records.push(rec);
    if (records.length === 2) {
      if (next !== -1) count = next;
      break;
    }
    if (next === -1) break;
    pos = next;
  }
  return { records, count };
}

function host(k: Kernel, clockid: number): bigint {
  return clockid === CLOCK_MONOTONIC ? k.host.monotonic : k.host.boottime;
}

/** timens_offsets_write() -> proc_timens_set_offset(): EINVAL, ESRCH, EPERM, ERANGE, EACCES. The
 *  write is taken only at position 0 (*ppos), which it does not move. */
export function timensOffsetsWrite(k: Kernel, file: File, pid: number, text: string, ppos: number): number | Errno {
  if (ppos !== 0) return 'EINVAL';
  const parsed = parseTimensOffsets(new TextEncoder().encode(text));
  const negativeNsec = k.features.timensOffsetNegativeNsec;
  if (parsed === 'EINVAL') return parsed;
  const p = k.pidHash.get(pid);
  if (p === undefined || p.nsproxy === null) return 'ESRCH';
  const ns = p.nsproxy.timeNsForChildren;
  // file_ns_capable(): the opener's credentials, not the writer's.
  if (!capCapable(file.cred, ns.owner, capBit('CAP_SYS_TIME'))) return 'EPERM';
  for (const off of parsed.records) {
    // A "negative" nanosecond count (impl/features.ts): 6.12 refuses it before the record's range checks.
    if (negativeNsec === 'einval-before-range' && off.val.nsec < 0n) return 'EINVAL';
    if (off.val.sec > KTIME_SEC_MAX || off.val.sec < -KTIME_SEC_MAX) return 'ERANGE';
    const t = host(k, off.clockid) + off.val.sec * NSEC_PER_SEC + off.val.nsec;
    let tsec = t / NSEC_PER_SEC;
    if (t % NSEC_PER_SEC < 0n) tsec -= 1n;
    if (tsec < 0n || tsec > KTIME_SEC_MAX / 2n) return 'ERANGE';
    // ... 6.1 after them.
    if (negativeNsec === 'einval-after-range' && off.val.nsec < 0n) return 'EINVAL';
  }
  if (ns.frozenOffsets) return 'EACCES';
  // Don't report errors after this line.
  for (const off of parsed.records) {
    if (off.clockid === CLOCK_MONOTONIC) ns.monotonic = { ...off.val };
    else ns.boottime = { ...off.val };
  }
  return parsed.count;
}
