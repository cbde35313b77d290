import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    cli(args: string[], env: Record<string, string> = {}) {
      const r = spawnSync(...tsx('cli/main.ts', args), { encoding: 'utf8', env: { ...process.env, ...env } });
      return { status: r.status, out: r.stdout, err: r.stderr };
    },
  };
}
