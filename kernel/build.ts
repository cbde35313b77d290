// Builds the executor (executor.c, worker.c) with the machine's C compiler into kernel/build/.
// Rebuilt only when a source is newer than the binary. Run directly: `npx tsx kernel/build.ts`.
// `CC` names the compiler (default `cc`); `TIMENS_EXECUTOR_DIR` where the binary goes (default kernel/build).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const KERNEL_DIR = dirname(fileURLToPath(import.meta.url));
const SOURCES = ['executor.c', 'worker.c', 'executor.h'].map((f) => join(KERNEL_DIR, f));
/** The executor's entry point (worker.c tn_entry), for every build of it (here and kernel/vm.ts). */
export const EXECUTOR_LINK = ['-Wl,-e,tn_entry'];
export const EXECUTOR_PATH = join(resolve(process.env.TIMENS_EXECUTOR_DIR ?? join(KERNEL_DIR, 'build')), 'executor');

/** `broken`: a compiler is there but the executor did not compile, which is a fault of the executor,
 *  never a reason to skip (test/kernel/skip.ts); the other reasons say this machine cannot build it. */
export type BuildResult = { ok: true; path: string } | { ok: false; reason: string; broken: boolean };

function upToDate(): boolean {
  if (!existsSync(EXECUTOR_PATH)) return false;
  const built = statSync(EXECUTOR_PATH).mtimeMs;
  return SOURCES.every((s) => statSync(s).mtimeMs <= built);
}

export function buildExecutor(): BuildResult {
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})`, broken: false };
  if (process.arch !== 'x64') return { ok: false, reason: `the executor is x86-64 only (this is ${process.arch})`, broken: false };
  if (upToDate()) return { ok: true, path: EXECUTOR_PATH };
  mkdirSync(dirname(EXECUTOR_PATH), { recursive: true });
  // Built beside the binary and renamed over it, so a process that starts the executor meanwhile
  // never finds a half-written file.
  const tmp = `${EXECUTOR_PATH}.${process.pid}.tmp`;
  const cc = process.env.CC || 'cc';
  // -fno-stack-protector: raw clone3 threads share the creator's TLS, and the worker needs none.
  // -e tn_entry: a task an exec step starts goes straight to the worker, without the C library's
  // start-up (worker.c).
  const args = ['-O2', '-Wall', '-Wextra', '-fno-stack-protector', ...EXECUTOR_LINK, '-o', tmp, SOURCES[0], SOURCES[1]];
  // Linked statically where the C library allows it: every exec step re-executes this binary, and
  // without the dynamic loader an exec takes about a third less time. glibc's static clock_gettime
  // and clock_getres still go through the vDSO, so "vdso" steps mean the same either way.
  let run = spawnSync(cc, ['-static', ...args], { encoding: 'utf8' });
  if (run.error) return { ok: false, reason: `no C compiler (${cc}): ${run.error.message}`, broken: false };
  if (run.status !== 0) run = spawnSync(cc, args, { encoding: 'utf8' });
  if (run.error) return { ok: false, reason: `no C compiler (${cc}): ${run.error.message}`, broken: false };
  if (run.status !== 0) {
    rmSync(tmp, { force: true });
    return { ok: false, reason: `the executor does not compile (${cc} exit status ${run.status}):\n${run.stderr}`, broken: true };
  }
  renameSync(tmp, EXECUTOR_PATH);
  return { ok: true, path: EXECUTOR_PATH };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = buildExecutor();
  if (r.ok) console.log(`built ${r.path}`);
  else {
    console.error(r.reason);
    process.exitCode = 1;
  }
}
