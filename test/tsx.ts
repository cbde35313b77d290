import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

// A TypeScript entry point of the project run in a child process, as `npx tsx FILE` runs it, without
// npx's own start-up: this node with tsx's loader (about half the CPU time of `npx tsx` per run).
export function tsx(file: string, args: string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', file, ...args]];
}

/** vitest's command line, likewise without npx. */
export function vitestCommand(args: string[]): [string, string[]] {
  return [process.execPath, ['node_modules/vitest/vitest.mjs', ...args]];
}

/** The `timens` command run as a user runs it, and the files it is given, in a fresh temporary folder. */
export function cliHarness(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    /** A file in the folder: a string as it is, anything else as JSON. */
    file(name: string, content: unknown): string {
      const p = join(dir, name);
      writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
      return p;
    },
    cli(args: string[], env: Record<string, string> = {}): CliRun {
      const r = spawnSync(...tsx('cli/main.ts', args), { encoding: 'utf8', env: { ...process.env, ...env } });
      return { status: r.status, out: r.stdout, err: r.stderr };
    },
    /** The same, as a promise: runs that do not depend on one another go side by side, one per CPU. */
    cliAsync(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
      return inSlot(() => new Promise((resolve, reject) => {
        const child = spawn(...tsx('cli/main.ts', args), { env: { ...process.env, ...env } });
        let out = '', err = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        child.on('error', reject);
        child.on('close', (status) => resolve({ status, out, err }));
      }));
    },
  };
}

// Runs side by side from one test file: one per CPU. A run is mostly CPU (starting node and tsx), so
// more at once only share the CPUs, and cost more in switching between them.
const SLOTS = availableParallelism();
let running = 0;
const waiting: (() => void)[] = [];

async function inSlot<T>(f: () => Promise<T>): Promise<T> {
  if (running < SLOTS) running++;
  else await new Promise<void>((go) => waiting.push(go));
  try {
    return await f();
  } finally {
    // The slot passes straight to the next run waiting, if any.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** How a run of the command line ended: its exit status (null if a signal ended it) and what it printed. */
export interface CliRun {
  status: number | null;
  out: string;
  err: string;
}
