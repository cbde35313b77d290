// `npx tsx mutation/merge.ts PART.json ...`: lay the results of runs over parts (each the incremental file a
// `npm run mutate -- --group K` wrote to reports/mutation/incremental-part.json) over the committed
// incremental file, write it back and print the score per folder.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mergeReports } from './report.ts';
import type { Report } from './report.ts';
import { readEquivalents, scoreLines } from './score.ts';

const INCREMENTAL = 'mutation/stryker-incremental.json';
const parts = process.argv.slice(2);
if (parts.length === 0) {
  console.error('usage: npx tsx mutation/merge.ts PART.json ...');
  process.exit(2);
}
const read = (path: string): Report => {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as Report;
    if (typeof r.files !== 'object' || r.files === null) throw new Error('it has no "files" object');
    return r;
  } catch (e) {
    console.error(`mutation/merge.ts: ${path}: not a Stryker report: ${(e as Error).message}`);
    process.exit(2);
  }
};
let merged: Report = existsSync(INCREMENTAL) ? read(INCREMENTAL) : { files: {} };
for (const p of parts) merged = mergeReports(merged, read(p));
writeFileSync(INCREMENTAL, JSON.stringify(merged));
const equivalents = readEquivalents(readFileSync('mutation/equivalent.md', 'utf8'));
console.log(`${parts.length} parts merged into ${INCREMENTAL}`);
for (const line of scoreLines(merged, equivalents)) console.log(line);
