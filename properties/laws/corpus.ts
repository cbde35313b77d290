// The programs a law checks, shared between the laws of one vitest run. Most laws check the same
// generated programs (the same seed, count and size), and generating them costs more than checking a
// law on them. The first law of a run that needs them generates them and stores them as JSON in a
// directory the run's global setup made (test/law-corpus.ts); every other law reads them. A law checks
// exactly the programs it would have generated itself: fast-check gives the same programs for a seed
// whatever the count (the first n of a larger corpus are the n it would generate), and a program is
// plain JSON data. Without that directory (vitest without the global setup, as the mutation runs) each
// law generates its own.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { inject } from 'vitest';
import type { Program } from '../../vocab/index.ts';
import { programs } from '../generate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The directory where the laws of this run keep the programs they share (test/law-corpus.ts). */
    lawCorpus?: string;
  }
}

/** `runs` programs of up to maxSteps steps from seed, as fc.assert would give them to a property. */
export function generateLawPrograms(seed: number, runs: number, maxSteps: number): Program[] {
  return fc.sample(programs({ maxSteps }), { seed, numRuns: runs });
}

const name = (seed: number, maxSteps: number, runs: number) => `seed-${seed}-steps-${maxSteps}-runs-${runs}.json`;

/** A corpus of the same seed and size with at least `runs` programs, stored (ending in `.json`) or
 *  being generated (`.json.lock`), or null. */
function stored(dir: string, seed: number, runs: number, maxSteps: number, suffix: '.json' | '.json.lock'): string | null {
  const prefix = `seed-${seed}-steps-${maxSteps}-runs-`;
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(prefix) || !f.endsWith(suffix)) continue;
    const count = f.slice(prefix.length, f.length - suffix.length);
    if (/^\d+$/.test(count) && Number(count) >= runs) return join(dir, f);
  }
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** The programs, from this run's shared corpus where there is one. */
export function lawPrograms(seed: number, runs: number, maxSteps: number): Program[] {
  const dir = inject('lawCorpus');
  if (!dir || !existsSync(dir)) return generateLawPrograms(seed, runs, maxSteps);
  const file = join(dir, name(seed, maxSteps, runs));
  for (;;) {
    const found = stored(dir, seed, runs, maxSteps, '.json');
    if (found) return (JSON.parse(readFileSync(found, 'utf8')) as Program[]).slice(0, runs);
    // Another law generating as many or more of them: wait for its file. Else generate them here.
    const other = stored(dir, seed, runs, maxSteps, '.json.lock');
    const lock = other ?? `${file}.lock`;
    try {
      if (other) throw new Error('generated elsewhere');
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
    } catch {
      // Wait for the other law's file, unless it died meanwhile.
      let holder = 0;
      try {
        holder = Number(readFileSync(lock, 'utf8') || 0);
      } catch {
        continue; // gone: its file is there now
      }
      if (holder > 0 && !alive(holder)) return generateLawPrograms(seed, runs, maxSteps);
      Atomics.wait(pause, 0, 0, 50);
      continue;
    }
    try {
      const made = generateLawPrograms(seed, runs, maxSteps);
      writeFileSync(`${file}.tmp`, JSON.stringify(made));
      renameSync(`${file}.tmp`, file);
      return made;
    } finally {
      rmSync(lock, { force: true });
    }
  }
}
