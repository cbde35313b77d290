// Linux kernels booted under QEMU, each running the executor. A kernel version ("6.1", "6.12") names a
// Debian cloud kernel unpacked into the kernel cache (scripts/fetch-kernels.sh; default .cache/kernels,
// or $TIMENS_KERNEL_CACHE). The guest boots from an initramfs holding two static binaries: vm-init.c as
// pid 1 and the executor, built from the same sources as the host's. The executor speaks its line
// protocol over the first serial port, which QEMU connects to its own stdin and stdout, so the driver
// talks to a booted kernel exactly as to a local executor; the second port is the kernel's console and
// the executor's stderr, which QEMU writes to its stderr. One boot serves every program of a session.
// There is no KVM here: TCG emulates the CPU.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXECUTOR_LINK } from './build.ts';

const KERNEL_DIR = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(KERNEL_DIR, '..');
const SOURCES = ['executor.c', 'worker.c', 'executor.h', 'vm-init.c'].map((f) => join(KERNEL_DIR, f));
/** Where the guest's binaries and initramfs are built. */
const VM_BUILD = join(resolve(process.env.TIMENS_EXECUTOR_DIR ?? join(KERNEL_DIR, 'build')), 'vm');
export const QEMU = process.env.TIMENS_QEMU ?? 'qemu-system-x86_64';
/** The versions the harness knows how to boot, and the Debian package each comes from. */
export const KERNEL_PACKAGES: Record<string, string> = {
  '6.1': 'linux-image-6.1.0-*-cloud-amd64',
  '6.12': 'linux-image-6.12.*+deb12-cloud-amd64',
};

export function kernelCache(): string {
  return resolve(process.env.TIMENS_KERNEL_CACHE ?? join(REPO, '.cache', 'kernels'));
}

/** A kernel image found in the cache: its release (as uname -r gives it) and its files. */
export interface KernelImage {
  version: string;
  release: string;
  vmlinuz: string;
  config: string;
}

/** Whether a release string is of the given version: "6.1" takes "6.1.0-57-cloud-amd64" and
 *  "6.1.192", not "6.12.117". */
export function releaseOfVersion(release: string, version: string): boolean {
  return release === version || release.startsWith(`${version}.`) || release.startsWith(`${version}-`);
}

/** The newest image of `version` in the cache, or why there is none. */
export function findKernel(version: string): KernelImage | { missing: string } {
  const cache = kernelCache();
  const found: KernelImage[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      if (n.startsWith('vmlinuz-')) {
        const release = n.slice('vmlinuz-'.length);
        if (releaseOfVersion(release, version)) found.push({ version, release, vmlinuz: p, config: join(dir, `config-${release}`) });
      } else if (depth < 4 && statSync(p).isDirectory()) walk(p, depth + 1);
    }
  };
  walk(cache, 0);
  if (found.length === 0) {
    return { missing: `no Linux ${version} image in ${cache} (scripts/fetch-kernels.sh ${version} fetches ${KERNEL_PACKAGES[version] ?? 'one'})` };
  }
  found.sort((a, b) => a.release.localeCompare(b.release, 'en', { numeric: true }));
  return found[found.length - 1];
}

// ---- The initramfs ---------------------------------------------------------------------------------

/** One file of a newc cpio archive (the format the kernel unpacks into its initial root). */
function cpioEntry(name: string, mode: number, data: Buffer, ino: number): Buffer {
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const nameBytes = Buffer.from(`${name}\0`);
  const header = Buffer.from(
    '070701' + [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0].map(hex).join(''),
  );
  const pad = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  return Buffer.concat([header, nameBytes, pad(header.length + nameBytes.length), data, pad(data.length)]);
}

export function cpioArchive(entries: { name: string; mode: number; data?: Buffer }[]): Buffer {
  const parts = entries.map((e, i) => cpioEntry(e.name, e.mode, e.data ?? Buffer.alloc(0), i + 1));
  parts.push(cpioEntry('TRAILER!!!', 0, Buffer.alloc(0), 0));
  return Buffer.concat(parts);
}

export type InitramfsResult = { ok: true; path: string } | { ok: false; reason: string; broken: boolean };

function compileStatic(out: string, sources: string[], extra: string[] = []): { ok: true } | { ok: false; reason: string; broken: boolean } {
  const cc = process.env.CC || 'cc';
  const tmp = `${out}.${process.pid}.tmp`;
  const run = spawnSync(cc, ['-static', '-O2', '-Wall', '-Wextra', ...extra, '-o', tmp, ...sources], { encoding: 'utf8' });
  if (run.error) return { ok: false, reason: `no C compiler (${cc}): ${run.error.message}`, broken: false };
  if (run.status !== 0) {
    rmSync(tmp, { force: true });
    // The guest has no C library: without a static one (libc.a) there is nothing to run there.
    const noStatic = /cannot find -lc|cannot find.*libc\.a/.test(run.stderr);
    return { ok: false, reason: `${cc} -static failed for ${sources.map((s) => s.split('/').pop()).join(', ')}:\n${run.stderr}`, broken: !noStatic };
  }
  renameSync(tmp, out);
  return { ok: true };
}

/** The guest's initramfs (init, executor, and the directories they mount on), rebuilt when a source
 *  is newer. Both binaries are static: the guest holds nothing else. */
export function buildInitramfs(): InitramfsResult {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { ok: false, reason: 'the guest binaries are built on x86-64 Linux only', broken: false };
  const image = join(VM_BUILD, 'initramfs.cpio');
  if (existsSync(image) && SOURCES.every((s) => statSync(s).mtimeMs <= statSync(image).mtimeMs)) return { ok: true, path: image };
  mkdirSync(VM_BUILD, { recursive: true });
  const init = join(VM_BUILD, 'init'), executor = join(VM_BUILD, 'executor');
  const a = compileStatic(init, [SOURCES[3]]);
  if (!a.ok) return a;
  // -fno-stack-protector: as kernel/build.ts builds it (raw clone3 threads share the creator's TLS).
  const b = compileStatic(executor, [SOURCES[0], SOURCES[1]], ['-fno-stack-protector', ...EXECUTOR_LINK]);
  if (!b.ok) return b;
  const dir = 0o040755, exe = 0o100755;
  const archive = cpioArchive([
    { name: 'dev', mode: dir }, { name: 'proc', mode: dir }, { name: 'sys', mode: dir },
    { name: 'init', mode: exe, data: readFileSync(init) },
    { name: 'executor', mode: exe, data: readFileSync(executor) },
  ]);
  const tmp = `${image}.${process.pid}.tmp`;
  writeFileSync(tmp, archive);
  renameSync(tmp, image);
  return { ok: true, path: image };
}

// ---- Booting ----------------------------------------------------------------------------------------

/** Whether `version` can be booted here; if so, the command line that boots it, given where the
 *  guest's console (kernel messages and the executor's stderr) is to be written. */
export type VmPlan =
  | { ok: true; image: KernelImage; command: string; args: (consoleLog: string) => string[] }
  | { ok: false; reason: string; broken?: boolean };

let consoles = 0;
/** A fresh file for one boot's console. */
export function consoleLogPath(): string {
  mkdirSync(VM_BUILD, { recursive: true });
  return join(VM_BUILD, `console-${process.pid}-${consoles++}.log`);
}

/** The end of a console file, for an error message. */
export function consoleTail(path: string, bytes = 4000): string {
  try {
    const text = readFileSync(path, 'latin1');
    return text.slice(-bytes);
  } catch {
    return '';
  }
}

function qemuPresent(): string | undefined {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  if (r.error) return `${QEMU} is not installed (${r.error.message}); apt-get install qemu-system-x86`;
  return r.status === 0 ? undefined : `${QEMU} --version failed: ${r.stderr}`;
}

const plans = new Map<string, VmPlan>();

export function vmPlan(version: string): VmPlan {
  if (!plans.has(version)) plans.set(version, makePlan(version));
  return plans.get(version)!;
}

function makePlan(version: string): VmPlan {
  const noQemu = qemuPresent();
  if (noQemu) return { ok: false, reason: noQemu };
  const image = findKernel(version);
  if ('missing' in image) return { ok: false, reason: image.missing };
  const initrd = buildInitramfs();
  if (!initrd.ok) return { ok: false, reason: initrd.reason, broken: initrd.broken };
  const args = (consoleLog: string) => [
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-machine', 'pc', '-cpu', 'max', '-smp', '1', '-m', '256',
    '-kernel', image.vmlinuz, '-initrd', initrd.path,
    // The console (ttyS1) only says what went wrong; tsc=reliable keeps the TSC as the clocksource
    // under TCG (its calibration would otherwise fall back to a slower one with no vDSO).
    '-append', 'console=ttyS1 loglevel=3 rdinit=/init panic=-1 tsc=reliable',
    '-serial', 'stdio', '-serial', `file:${consoleLog}`,
  ];
  // QEMU does not end when its stdin closes, as a local executor does: it is given SIGKILL when this
  // process ends (setpriv --pdeathsig, where util-linux has it), so no guest outlives its driver. An
  // emulated CPU takes all of a host CPU while it runs: QEMU runs niced, so that checks on this machine's
  // kernel running meanwhile are not starved (a sleeper woken late by a busy CPU is judged late).
  const pdeath = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true']).status === 0;
  const nice = spawnSync('nice', ['-n', '10', 'true']).status === 0;
  const wrap = [...(nice ? ['nice', '-n', '10'] : []), ...(pdeath ? ['setpriv', '--pdeathsig', 'KILL', '--'] : [])];
  const [command, ...before] = [...wrap, QEMU];
  return { ok: true, image, command, args: (log) => [...before, ...args(log)] };
}
