// The file position of /proc/PID/timens_offsets, a seq_file opened with single_open (fs/seq_file.c):
// one record, the whole offsets text, produced by show() when a read or a seek needs it and kept, byte
// for byte, until it has been read. So a read(2) that stops part-way leaves the rest of that text to the
// next read, even if the offsets changed meanwhile; a read at position 0 (and a seek elsewhere) makes the
// text afresh. pread uses its own position but moves the buffered one (read_pos) all the same.
import type { Errno, Observation } from '../vocab/index.ts';

/** The open file's position and what seq_file keeps for it. */
export interface SeqState {
  filePos: number;   // f_pos: where read(2) reads and write(2) writes
  readPos: number;   // m->read_pos: the position the kept text continues from
  shown: boolean;    // the record was produced since the last restart (m->index is past it)
  kept: string;      // produced bytes not yet read (m->count bytes from m->from)
}

export const newSeqState = (): SeqState => ({ filePos: 0, readPos: 0, shown: false, kept: '' });

/** show(): the text, or the errno when the target is gone. */
export type Show = () => { text: string } | { err: Errno };

function restart(m: SeqState): void {
  m.shown = false;
  m.kept = '';
}

// traverse(): restart and produce the text up to `offset`, keeping what lies past it.
function traverse(m: SeqState, offset: number, show: Show): Errno | null {
  restart(m);
  if (offset === 0) return null;
  const shown = show();
  if ('err' in shown) return shown.err;
  m.shown = true;
  m.kept = shown.text.length > offset ? shown.text.slice(offset) : '';
  return null;
}

// seq_read_iter(): read up to `count` bytes at `pos` (the file position for read(2), pread's own).
export function seqRead(m: SeqState, pos: number, count: number, show: Show, movesFilePos: boolean): Observation {
  // "if (!iov_iter_count(iter)) return 0": an empty request neither restarts nor traverses.
  if (count === 0) return { ret: 0, text: '' };
  if (pos === 0) restart(m);
  if (pos !== m.readPos) {
    const err = traverse(m, pos, show);
    if (err) {
      m.readPos = 0;
      restart(m);
      return { err };
    }
    m.readPos = pos;
  }
  let out = m.kept.slice(0, count);
  m.kept = m.kept.slice(out.length);
  if (m.kept === '' && out.length < count && !m.shown) {
    const shown = show();
    if ('err' in shown) {
      if (out === '') return { err: shown.err };
    } else {
      m.shown = true;
      const more = shown.text.slice(0, count - out.length);
      out += more;
      m.kept = shown.text.slice(more.length);
    }
  }
  m.readPos += out.length;
  if (movesFilePos) m.filePos += out.length;
  return { ret: out.length, text: out };
}

// seq_lseek(): SEEK_SET and SEEK_CUR only; a new position other than the kept one is traversed to.
export function seqLseek(m: SeqState, offset: number, whence: 'SEEK_SET' | 'SEEK_CUR' | 'SEEK_END', show: Show): Observation {
  if (whence === 'SEEK_END') return { err: 'EINVAL' };
  const to = whence === 'SEEK_CUR' ? offset + m.filePos : offset;
  if (to < 0) return { err: 'EINVAL' };
  if (to !== m.readPos) {
    const err = traverse(m, to, show);
    if (err) {
      m.filePos = 0;
      m.readPos = 0;
      restart(m);
      return { err };
    }
    m.readPos = to;
  }
  m.filePos = to;
  return { ret: to };
}
