// A TypeScript entry point of the project run in a child process, as `npx tsx FILE` runs it, without
// npx's own start-up: this node with tsx's loader (about half the CPU time of `npx tsx` per run).
export function tsx(file: string, args: string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', file, ...args]];
}

/** vitest's command line, likewise without npx. */
export function vitestCommand(args: string[]): [string, string[]] {
  return [process.execPath, ['node_modules/vitest/vitest.mjs', ...args]];
}
