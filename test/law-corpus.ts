// vitest's global setup: a directory for the programs the laws of this run share
// (properties/laws/corpus.ts), removed when the run ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'timens-laws-'));
  project.provide('lawCorpus', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
