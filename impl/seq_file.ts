// seq_file for a single_open() file (fs/seq_file.c), as /proc/PID/timens_offsets uses it: the one
// record is formatted into m->buf by ->show(), copied out in pieces, and kept between reads, so a
// read(2) that stops part-way is served from the buffer next time, offsets changed or not. read_pos
// tracks where the buffer continues; any other position is reached by traverse(), which formats again.
import type { Errno } from '../vocab/index.ts';

export interface SeqFile {
  /** The formatted record (m->buf), and the unread part of it: m->count bytes from m->from. */
  buf: Uint8Array;
  from: number;
  count: number;
  /** m->index: 0 before the record, 1 past it (single_start returns the record only at 0). */
  index: number;
  /** m->read_pos. */
  readPos: number;
  /** ->show(): the record's bytes, or an errno. */
  show: () => Uint8Array | Errno;
}

export function seqOpen(show: () => Uint8Array | Errno): SeqFile {
  return { buf: new Uint8Array(0), from: 0, count: 0, index: 0, readPos: 0, show };
}

/** single_start/single_next/show folded together: the record if index is 0 (index then moves past it). */
function produce(m: SeqFile): Errno | 'eof' | null {
  if (m.index !== 0) return 'eof';
  const r = m.show();
  if (typeof r === 'string') return r;
  m.index = 1;
  m.buf = r;
  m.from = 0;
  m.count = r.length;
  return null;
}

/** traverse(): reach `offset` from the start, leaving m->buf positioned there. */
function traverse(m: SeqFile, offset: number): Errno | null {
  m.index = 0;
  m.count = m.from = 0;
  if (offset === 0) return null;
  const e = produce(m);
  if (e === 'eof') return null;
  if (e !== null) return e;
  if (m.count > offset) {
    m.from = offset;
    m.count -= offset;
  } else {
    m.count = 0;
  }
  return null;
}

/** seq_read_iter(): up to `size` bytes at *ppos; ppos.pos moves by what was copied. */
export function seqReadIter(m: SeqFile, ppos: { pos: number }, size: number): Uint8Array | Errno {
  if (size === 0) return new Uint8Array(0);
  // "if request is to read from zero offset, reset iterator to first record"
  if (ppos.pos === 0) {
    m.index = 0;
    m.count = 0;
  }
  // "Don't assume ki_pos is where we left it"
  if (ppos.pos !== m.readPos) {
    const e = traverse(m, ppos.pos);
    if (e !== null) {
      m.readPos = 0;
      m.index = 0;
      m.count = 0;
      return e;
    }
    m.readPos = ppos.pos;
  }
  const out: number[] = [];
  // "something left in the buffer - copy it out first"
  if (m.count > 0) {
    const n = Math.min(m.count, size);
    for (let i = 0; i < n; i++) out.push(m.buf[m.from + i]);
    m.count -= n;
    m.from += n;
  }
  let err: Errno | null = null;
  if (m.count === 0 && out.length < size) {
    const e = produce(m);
    if (e !== null && e !== 'eof') err = e;
    if (e === null) {
      const n = Math.min(m.count, size - out.length);
      for (let i = 0; i < n; i++) out.push(m.buf[i]);
      m.count -= n;
      m.from = n;
    }
  }
  if (out.length === 0) return err ?? new Uint8Array(0);
  ppos.pos += out.length;
  m.readPos += out.length;
  return Uint8Array.from(out);
}

const SEEK_SET = 0;
const SEEK_CUR = 1;

/** seq_lseek(): SEEK_SET and SEEK_CUR; file.pos is f_pos. */
export function seqLseek(m: SeqFile, file: { pos: number }, offset: number, whence: number): number | Errno {
  if (whence !== SEEK_SET && whence !== SEEK_CUR) return 'EINVAL';
  if (whence === SEEK_CUR) offset += file.pos;
  if (offset < 0) return 'EINVAL';
  if (offset !== m.readPos) {
    const e = traverse(m, offset);
    if (e !== null) {
      // "with extreme prejudice..."
      file.pos = 0;
      m.readPos = 0;
      m.index = 0;
      m.count = 0;
      return e;
    }
    m.readPos = offset;
  }
  file.pos = offset;
  return offset;
}
