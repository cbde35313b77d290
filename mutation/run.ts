// `npm run mutate [-- FILE_OR_GLOB ... | --group K]`: Stryker over impl/ and model/ (stryker.config.json), then
// the score per folder. Given files or globs (or group K of mutation/groups.ts), only those are mutated and their results replace theirs in the
// incremental file; the rest of the file is kept, so runs over parts add up to the whole. Stryker reuses
// every result whose code and tests did not change, so a rerun only tests what changed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readEquivalents, scoreLines } from './score.ts';
import { group } from './groups.ts';
import { mergeReports, restrictTo } from './report.ts';
import type { Report } from './report.ts';

const INCREMENTAL = 'mutation/stryker-incremental.json';
const PART = 'reports/mutation/incremental-part.json';

const argv = process.argv.slice(2);
let only = argv;
if (argv[0] === '--group') {
  const files = argv.length === 2 ? group(argv[1]) : new Error('--group takes one group number');
  if (files instanceof Error) {
    console.error(`npm run mutate: ${files.message}`);
    process.exit(2);
  }
  only = files;
}
mkdirSync('reports/mutation', { recursive: true });
if (existsSync(INCREMENTAL)) copyFileSync(INCREMENTAL, PART);
const args = ['stryker', 'run', '--incrementalFile', PART, ...(only.length > 0 ? ['--mutate', only.join(',')] : [])];
const started = Date.now();
const r = spawnSync('npx', args, { stdio: 'inherit' });
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
if (r.status !== 0) {
  console.error(`stryker failed (exit ${r.status}) after ${minutes} min; ${INCREMENTAL} is unchanged`);
  process.exit(r.status ?? 1);
}

const part = JSON.parse(readFileSync(PART, 'utf8')) as Report;
let merged = part;
if (only.length > 0 && existsSync(INCREMENTAL)) {
  const whole = JSON.parse(readFileSync(INCREMENTAL, 'utf8')) as Report;
  merged = mergeReports(whole, restrictTo(part, only));
}
writeFileSync(INCREMENTAL, JSON.stringify(merged));
console.log(`stryker took ${minutes} min`);
const equivalents = readEquivalents(readFileSync('mutation/equivalent.md', 'utf8'));
for (const line of scoreLines(merged, equivalents)) console.log(line);
