// The README's table of behaviour by kernel version is the list of version scenarios, each cell the
// outcome its scenario checks on that kernel (test/kernel/versions.test.ts): the two cannot drift apart.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { versionTable } from './kernel/versions.ts';

it('the README shows every version scenario, and only those, as its table of behaviour by version', () => {
  expect(readFileSync('README.md', 'utf8')).toContain(versionTable());
});
