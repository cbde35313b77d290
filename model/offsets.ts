// /proc/PID/timens_offsets (fs/proc/base.c: timens_offsets_open/_show/_write, and
// kernel/time/namespace.c: proc_timens_show_offsets, proc_timens_set_offset). Both read and write
// act on the target's time_ns_for_children; the write's capability check uses the opener's creds.
import { KTIME_SEC_MAX, NSEC_PER_SEC, type FdHandle, type HostClocks, type Observation, type TaskHandle } from '../vocab/index.ts';
import { capable, procFileMayWrite } from './creds.ts';
import { kernelChanges } from './profile.ts';
import { newSeqState, seqLseek, seqRead } from './seqfile.ts';
import { processOf, taskByPid, type File, type ModelState, type Task, type Timespec } from './state.ts';

const PAGE_SIZE = 4096;
const U64 = 1n << 64n;

type OffsetsFile = Extract<File, { kind: 'offsets' }>;
interface OffsetRecord { clock: 'monotonic' | 'boottime'; val: Timespec }

// open("/proc/PID/timens_offsets"): mode 0644, owned per task_dump_owner; reading needs nothing.
export function openTimensOffsets(s: ModelState, t: Task, target: Task, targetHandle: TaskHandle, mode: 'r' | 'w' | 'rw', fd: FdHandle): Observation {
  if (mode !== 'r' && !procFileMayWrite(t.creds, target)) return { err: 'EACCES' };
  processOf(s, t).fds!.push({
    handle: fd, cloexec: false,
    file: { kind: 'offsets', target: targetHandle, pid: target.pid, mode, opener: t.creds, seq: newSeqState() },
  });
  return { ret: 0, handle: fd };
}

function showOffset(name: string, ts: Timespec): string {
  return `${name.padEnd(10)} ${String(ts.sec).padStart(10)} ${String(ts.nsec).padStart(9)}\n`;
}

// timens_offsets_show -> proc_timens_show_offsets: "%-10s %10lld %9ld\n", monotonic first.
function showTimensOffsets(s: ModelState, f: OffsetsFile): { text: string } | { err: 'ESRCH' } {
  const p = taskByPid(s, f.pid);
  if (!p) return { err: 'ESRCH' };
  const ns = p.timeNsForChildren;
  if (!ns) return { text: '' }; // exiting: no nsproxy, empty content
  return { text: showOffset('monotonic', ns.monotonic) + showOffset('boottime', ns.boottime) };
}

// seq_read: pread at `pos`, or read(2) at the file position ("current").
export function readTimensOffsets(s: ModelState, f: OffsetsFile, count: number, pos: number | 'current'): Observation {
  const at = pos === 'current' ? f.seq.filePos : pos;
  return seqRead(f.seq, at, count, () => showTimensOffsets(s, f), pos === 'current');
}

// seq_lseek
export function lseekTimensOffsets(s: ModelState, f: OffsetsFile, offset: number, whence: 'SEEK_SET' | 'SEEK_CUR' | 'SEEK_END'): Observation {
  return seqLseek(f.seq, offset, whence, () => showTimensOffsets(s, f));
}

const isSpace = (c: string | undefined) => c !== undefined && ' \t\n\v\f\r'.includes(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** simple_strntoull base 10 from position i: the value modulo 2^64 and where it stopped. */
function parseDigits(str: string, i: number): [bigint, number] {
  let v = 0n;
  for (; isDigit(str[i]); i++) v = (v * 10n + BigInt(str.charCodeAt(i) - 48)) % U64;
  return [v, i];
}

const toS64 = (v: bigint) => (v >= 1n << 63n ? v - U64 : v);

// sscanf(line, "%9s %lld %lu", clock, &sec, &nsec) as lib/vsprintf.c's vsscanf does it:
// null unless all three conversions happen.
function scanRecordFields(line: string): { clock: string; sec: bigint; nsec: bigint } | null {
  let i = 0;
  if (i >= line.length) return null;
  while (isSpace(line[i])) i++;
  let clock = '';
  while (i < line.length && !isSpace(line[i]) && clock.length < 9) clock += line[i++];
  while (isSpace(line[i])) i++;
  if (i >= line.length) return null;
  const negative = line[i] === '-';
  if (!isDigit(line[negative ? i + 1 : i])) return null;
  const [mag, j] = parseDigits(line, negative ? i + 1 : i);
  const sec = toS64(negative ? (U64 - mag) % U64 : mag);
  i = j;
  while (isSpace(line[i])) i++;
  if (i >= line.length || !isDigit(line[i])) return null;
  const [nsec] = parseDigits(line, i);
  return { clock, sec, nsec: toS64(nsec) }; // %lu lands in a signed long tv_nsec
}

// Nanoseconds at or above NSEC_PER_SEC are refused, compared as the signed long they land in (so
// 2^64 - 1 is -1 ns and gets through; model/profile.ts offsetsNegativeNsec says what happens next).
function parseRecord(line: string): OffsetRecord | null {
  const f = scanRecordFields(line);
  if (!f || f.nsec >= NSEC_PER_SEC) return null;
  if (f.clock === 'monotonic' || f.clock === '1') return { clock: 'monotonic', val: { sec: f.sec, nsec: f.nsec } };
  if (f.clock === 'boottime' || f.clock === '7') return { clock: 'boottime', val: { sec: f.sec, nsec: f.nsec } };
  return null;
}

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

// timens_offsets_write: parse at most two records (the byte count then stops after the second),
// every line must parse; EINVAL before anything else.
function parseOffsets(text: string): { records: OffsetRecord[]; count: number } | null {
  const nul = text.indexOf('\0');
  const buf = nul >= 0 ? text.slice(0, nul) : text;
  let count = byteLength(text);
  const records: OffsetRecord[] = [];
  for (let pos: number | null = 0; pos !== null;) {
    const nl: number = buf.indexOf('\n', pos);
    let next: number | null = nl >= 0 ? nl + 1 : null;
    if (next !== null && next >= buf.length) next = null;
    const rec = parseRecord(nl >= 0 ? buf.slice(pos, nl) : buf.slice(pos));
    if (!rec) return null;
    records.push(rec);
    if (records.length === 2) {
      if (next !== null) count = byteLength(buf.slice(0, next));
      break;
    }
    pos = next;
  }
  return { records, count };
}

/** floor(n / 1e9): the tv_sec of a normalised timespec. */
export function floorSec(n: bigint): bigint {
  const q = n / NSEC_PER_SEC;
  return n < 0n && q * NSEC_PER_SEC !== n ? q - 1n : q;
}

// timens_offsets_write -> proc_timens_set_offset: EINVAL, ESRCH, EPERM, ERANGE, EACCES, assign. Only a
// write at the file's start is taken ("Only allow < page size writes at the beginning of the file"); it
// leaves the file position where it was.
export function writeTimensOffsets(s: ModelState, f: OffsetsFile, text: string, host: HostClocks): Observation {
  if (f.seq.filePos !== 0 || byteLength(text) >= PAGE_SIZE) return { err: 'EINVAL' };
  const parsed = parseOffsets(text);
  const negativeNsec = kernelChanges(s.env).offsetsNegativeNsec;
  if (!parsed) return { err: 'EINVAL' };
  const p = taskByPid(s, f.pid);
  if (!p) return { err: 'ESRCH' };
  const ns = p.timeNsForChildren;
  if (!ns) return { err: 'ESRCH' };
  if (!capable(f.opener, ns.owner, 'CAP_SYS_TIME')) return { err: 'EPERM' };
  for (const { clock, val } of parsed.records) {
    if (negativeNsec === 'EINVAL before the range checks' && val.nsec < 0n) return { err: 'EINVAL' };
    if (val.sec > KTIME_SEC_MAX || val.sec < -KTIME_SEC_MAX) return { err: 'ERANGE' };
    // Namespace time must land in [0, KTIME_SEC_MAX / 2] whole seconds at the moment of the write.
    const now = clock === 'monotonic' ? host.monotonic : host.boottime;
    const sec = floorSec(now + val.sec * NSEC_PER_SEC + val.nsec);
    if (sec < 0n || sec > KTIME_SEC_MAX / 2n) return { err: 'ERANGE' };
    if (negativeNsec === 'EINVAL after the range checks' && val.nsec < 0n) return { err: 'EINVAL' };
  }
  if (ns.frozen) return { err: 'EACCES' };
  // Don't report errors after this line.
  for (const { clock, val } of parsed.records) ns[clock] = { ...val };
  return { ret: parsed.count };
}
