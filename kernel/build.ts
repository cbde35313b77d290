// Builds the executor (executor.c, worker.c) with the machine's C compiler into kernel/build/.
// Rebuilt only when a source is newer than the binary. Run directly: `npx tsx kernel/build.ts`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const KERNEL_DIR = dirname(fileURLToPath(import.meta.url));
const SOURCES = ['executor.c', 'worker.c', 'executor.h'].map((f) => join(KERNEL_DIR, f));
export const EXECUTOR_PATH = join(KERNEL_DIR, 'build', 'executor');

export type BuildResult = { ok: true; path: string } | { ok: false; reason: string };

function upToDate(): boolean {
  if (!existsSync(EXECUTOR_PATH)) return false;
  const built = statSync(EXECUTOR_PATH).mtimeMs;
  return SOURCES.every((s) => statSync(s).mtimeMs <= built);
}

export function buildExecutor(): BuildResult {
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` };
  if (process.arch !== 'x64') return { ok: false, reason: `the executor is x86-64 only (this is ${process.arch})` };
  if (upToDate()) return { ok: true, path: EXECUTOR_PATH };
  mkdirSync(dirname(EXECUTOR_PATH), { recursive: true });
  // -fno-stack-protector: raw clone3 threads share the creator's TLS, and the worker needs none.
  const args = ['-O2', '-Wall', '-Wextra', '-fno-stack-protector', '-o', EXECUTOR_PATH, SOURCES[0], SOURCES[1]];
  // Linked statically where the C library allows it: every exec step re-executes this binary, and
  // without the dynamic loader an exec takes about a third less time. glibc's static clock_gettime
  // and clock_getres still go through the vDSO, so "vdso" steps mean the same either way.
  const staticCc = spawnSync('cc', ['-static', ...args], { encoding: 'utf8' });
  if (staticCc.error) return { ok: false, reason: `no C compiler (cc): ${staticCc.error.message}` };
  if (staticCc.status === 0) return { ok: true, path: EXECUTOR_PATH };
  const cc = spawnSync('cc', args, { encoding: 'utf8' });
  if (cc.error) return { ok: false, reason: `no C compiler (cc): ${cc.error.message}` };
  if (cc.status !== 0) return { ok: false, reason: `cc failed:\n${cc.stderr}` };
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
