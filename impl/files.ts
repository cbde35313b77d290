// Open files and fd tables (fs/file.c, fs/file_table.c). An open file holds its object (a namespace,
// or the struct pid of a /proc file or pidfd) and the opener's credentials until its last fd closes.
import type { FdHandle } from '../vocab/index.ts';
import { getCred, putCred, type Cred } from './cred.ts';
import type { FdEntry, File, FileKind, FilesStruct, Kernel } from './sched.ts';
import { putTimeNs } from './time_namespace.ts';
import { timerfdRelease } from './timerfd.ts';
import { putUserNs } from './user_namespace.ts';

/** alloc_file(): the new file takes its own reference on the opener's cred. The caller has already
 *  taken the reference on a namespace it points at. */
export function allocFile(cred: Cred, f: FileKind): File {
  return { count: 0, cred: getCred(cred), pos: 0, f };
}

/** fput(): the last reference releases what the file holds. */
export function fput(k: Kernel, file: File): void {
  if (--file.count > 0) return;
  const f = file.f;
  if (f.kind === 'nsfs') {
    if (f.time !== null) putTimeNs(k, f.time);
    if (f.user !== null) putUserNs(k, f.user);
  } else if (f.kind === 'timerfd') {
    timerfdRelease(k, f.ctx);
  }
  putCred(k, file.cred);
}

/** Keys of fds the program did not name (an ioctl without `result`): no handle can take one, since
 *  handles are f<N>, so such an fd holds its file as any fd does but cannot displace a named one. */
const UNNAMED = '#';
export const isNamedFd = (key: string): boolean => !key.startsWith(UNNAMED);

/** fd_install() of an fd no handle names: it lives, is inherited and closed on exec like any other. */
export function fdInstallUnnamed(k: Kernel, files: FilesStruct, file: File, cloexec: boolean): void {
  fdInstall(k, files, `${UNNAMED}${k.unnamedFds++}`, file, cloexec);
}

/** fd_install(): bind handle to file. A handle already bound is rebound (its old file is released). */
export function fdInstall(k: Kernel, files: FilesStruct, fd: FdHandle, file: File, cloexec: boolean): void {
  file.count++;
  const old = files.fds.get(fd);
  files.fds.set(fd, { file, cloexec });
  if (old !== undefined) fput(k, old.file);
}

export function closeFd(k: Kernel, files: FilesStruct, fd: FdHandle): boolean {
  const e = files.fds.get(fd);
  if (e === undefined) return false;
  files.fds.delete(fd);
  fput(k, e.file);
  return true;
}

/** dup_fd(): a private copy of the table for a child without CLONE_FILES. */
export function dupFd(files: FilesStruct): FilesStruct {
  const fds = new Map<FdHandle, FdEntry>();
  for (const [h, e] of files.fds) {
    e.file.count++;
    fds.set(h, { file: e.file, cloexec: e.cloexec });
  }
  return { count: 1, fds };
}

/** put_files_struct(): the last task using the table closes every fd. */
export function putFilesStruct(k: Kernel, files: FilesStruct): void {
  if (--files.count > 0) return;
  for (const e of files.fds.values()) fput(k, e.file);
  files.fds.clear();
}

/** do_close_on_exec(). */
export function doCloseOnExec(k: Kernel, files: FilesStruct): void {
  for (const [h, e] of [...files.fds]) {
    if (e.cloexec) closeFd(k, files, h);
  }
}
