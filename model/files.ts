// File descriptors: open of /proc/PID files, pidfd_open, close, pread and write, each routed by the
// kind of file (a timerfd's read lives in timerfd.ts). Errnos for files without the operation were probed on Linux 6.18: nsfs files and
// pidfds have no read (EINVAL), nsfs fds are read-only (EBADF), pidfds have no write (EINVAL).
import { kernelChanges } from './profile.ts';
import type { FdHandle, HostClocks, Observation, ProcFile, TaskHandle } from '../vocab/index.ts';
import { openNsLink } from './namespaces.ts';
import { lseekTimensOffsets, openTimensOffsets, readTimensOffsets, writeTimensOffsets } from './offsets.ts';
import { fdLookup, processOf, taskByPath, type ModelState, type Task } from './state.ts';
import { timerfdRead } from './timerfd.ts';

// open("/proc/PID/<file>"): a pid with no task has no /proc directory.
export function sysOpen(s: ModelState, t: Task, target: TaskHandle, file: ProcFile, mode: 'r' | 'w' | 'rw', fd: FdHandle): Observation {
  const task = taskByPath(s, target);
  if (!task) return { err: 'ENOENT' };
  if (file === 'timens_offsets') return openTimensOffsets(s, t, task, target, mode, fd);
  return openNsLink(s, t, task, file, fd);
}

// pidfd_open(pid, 0) -> pidfd_create: the pid must still exist and lead a thread group
// (a non-leader tid gives ENOENT on 6.18, EINVAL on 6.1 and 6.12: model/profile.ts). The fd is O_CLOEXEC.
export function sysPidfdOpen(s: ModelState, t: Task, target: TaskHandle, fd: FdHandle): Observation {
  const task = taskByPath(s, target);
  if (!task) return { err: 'ESRCH' };
  if (task.pid !== task.tgid) return { err: kernelChanges(s.env).pidfdOpenNonLeader };
  processOf(s, t).fds!.push({ handle: fd, cloexec: true, file: { kind: 'pidfd', target, pid: task.pid } });
  return { ret: 0, handle: fd };
}

export function sysClose(s: ModelState, t: Task, fd: FdHandle): Observation {
  const p = processOf(s, t);
  const e = fdLookup(p.fds!, fd);
  if (!e) return { err: 'EBADF' };
  p.fds = p.fds!.filter((x) => x !== e);
  return { ret: 0 };
}

// pread(fd, buf, count, pos): FMODE_PREAD (ESPIPE: a pidfd before pidfs, model/profile.ts), then
// vfs_read: FMODE_READ (EBADF), then a read method (EINVAL). read(2) ("current") has no FMODE_PREAD
// check. A timerfd is always read with read(2) (harness/program.ts refuses count and pos there).
export function sysRead(s: ModelState, t: Task, fd: FdHandle, count: number, pos: number | 'current', host: HostClocks): Observation {
  const e = fdLookup(processOf(s, t).fds!, fd);
  if (!e) return { err: 'EBADF' };
  const f = e.file;
  if (pos !== 'current' && f.kind === 'pidfd' && !kernelChanges(s.env).pidfdIsPidfsFile) return { err: 'ESPIPE' };
  if (f.kind === 'timerfd') return timerfdRead(s, t, f.ctx, f.nonblock, host);
  if (f.kind !== 'offsets') return { err: 'EINVAL' };
  if (f.mode === 'w') return { err: 'EBADF' };
  return readTimensOffsets(s, f, count, pos);
}

// write(fd, text) -> vfs_write: FMODE_WRITE (EBADF), then a write method (EINVAL). pwrite(fd, text, pos)
// first needs FMODE_PWRITE, which seq files (timens_offsets), timerfds and pidfds before pidfs lack (ESPIPE).
export function sysWrite(s: ModelState, t: Task, fd: FdHandle, text: string, pos: number | undefined, host: HostClocks): Observation {
  const e = fdLookup(processOf(s, t).fds!, fd);
  if (!e) return { err: 'EBADF' };
  const f = e.file;
  if (pos !== undefined && (f.kind === 'offsets' || f.kind === 'timerfd' || (f.kind === 'pidfd' && !kernelChanges(s.env).pidfdIsPidfsFile))) {
    return { err: 'ESPIPE' };
  }
  if (f.kind === 'timens' || f.kind === 'userns') return { err: 'EBADF' };
  if (f.kind === 'pidfd' || f.kind === 'timerfd') return { err: 'EINVAL' }; // opened O_RDWR, no write method
  if (f.mode === 'r') return { err: 'EBADF' };
  return writeTimensOffsets(s, f, text, host);
}

// lseek(fd, offset, whence) -> vfs_llseek: nsfs files and pidfds cannot seek (ESPIPE); a timerfd's
// noop_llseek answers its position, always 0; timens_offsets seeks as a seq_file.
export function sysLseek(s: ModelState, t: Task, fd: FdHandle, offset: number, whence: 'SEEK_SET' | 'SEEK_CUR' | 'SEEK_END'): Observation {
  const e = fdLookup(processOf(s, t).fds!, fd);
  if (!e) return { err: 'EBADF' };
  const f = e.file;
  if (f.kind === 'timerfd') return { ret: 0 };
  if (f.kind !== 'offsets') return { err: 'ESPIPE' };
  return lseekTimensOffsets(s, f, offset, whence);
}
