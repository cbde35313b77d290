// The mutation score per folder, read from a Stryker report (mutation.json, or the incremental file, which
// has the same form). Killed counts killed and timed-out mutants; the total is every valid mutant (killed,
// timed out, survived, no coverage); compile errors and ignored mutants are shown but not counted.
// Survivors listed in mutation/equivalent.md are shown apart: the raw score counts them as survivors.
import { readFileSync } from 'node:fs';
import { GROUPS } from './groups.ts';
import type { Report, ReportMutant } from './report.ts';

/** A survivor argued equivalent: file, start (line:column), mutator and replacement as the report names them. */
export interface Equivalent {
  file: string;
  at: string;
  mutator: string;
  replacement: string;
  reason: string;
}

/** The table rows of equivalent.md: `| file | line:column | mutator | replacement | reason |`. */
export function readEquivalents(markdown: string): Equivalent[] {
  const rows: Equivalent[] = [];
  for (const line of markdown.split('\n')) {
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim().replace(/\\\|/g, '|'));
    if (cells.length !== 5 || !/^\d+:\d+$/.test(cells[1])) continue;
    const unquote = (s: string) => s.replace(/^`(.*)`$/s, '$1');
    rows.push({ file: cells[0], at: cells[1], mutator: cells[2], replacement: unquote(cells[3]), reason: cells[4] });
  }
  return rows;
}

export interface FolderScore {
  folder: string;
  files: number;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  invalid: number;
  ignored: number;
  pending: number;
  equivalent: number;
  /** Survivors and uncovered mutants not listed as equivalent. */
  open: { file: string; mutant: ReportMutant }[];
}

const oneLine = (s: string | undefined) => (s ?? '').replace(/\s+/g, ' ');

export function isEquivalent(e: Equivalent[], file: string, m: ReportMutant): boolean {
  return e.some((q) => q.file === file && q.at === `${m.location.start.line}:${m.location.start.column}` && q.mutator === m.mutatorName
    && q.replacement === oneLine(m.replacement));
}

export function scoreFolders(report: Report, folders: string[], equivalents: Equivalent[]): FolderScore[] {
  return folders.map((folder) => {
    const s: FolderScore = { folder, files: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, invalid: 0, ignored: 0, pending: 0, equivalent: 0, open: [] };
    for (const [file, f] of Object.entries(report.files)) {
      if (!file.startsWith(folder)) continue;
      s.files++;
      for (const m of f.mutants) {
        switch (m.status) {
          case 'Killed': s.killed++; break;
          case 'Timeout': s.timeout++; break;
          case 'CompileError': case 'RuntimeError': s.invalid++; break;
          case 'Ignored': s.ignored++; break;
          case 'Pending': s.pending++; break;
          case 'Survived': case 'NoCoverage':
            if (m.status === 'Survived') s.survived++; else s.noCoverage++;
            if (isEquivalent(equivalents, file, m)) s.equivalent++;
            else s.open.push({ file, mutant: m });
            break;
        }
      }
    }
    return s;
  });
}

const pct = (k: number, n: number) => (n === 0 ? 'n/a' : `${((100 * k) / n).toFixed(1)}%`);

export function formatScore(s: FolderScore): string {
  const killed = s.killed + s.timeout;
  const valid = killed + s.survived + s.noCoverage;
  const lines = [
    `${s.folder}: killed ${killed} of ${valid} (${pct(killed, valid)}) in ${s.files} files;`
      + ` survived ${s.survived}, no coverage ${s.noCoverage}, of which equivalent ${s.equivalent}`
      + ` (killed of the rest: ${pct(killed, valid - s.equivalent)});`
      + ` timed out ${s.timeout} (counted killed), compile errors ${s.invalid}, ignored ${s.ignored}`
      + (s.pending > 0 ? `, not run ${s.pending}` : ''),
  ];
  for (const { file, mutant: m } of s.open) {
    const { start, end } = m.location;
    lines.push(`  ${m.status === 'NoCoverage' ? 'no coverage' : 'survived'}: ${file} ${start.line}:${start.column}-${end.line}:${end.column} ${m.mutatorName} -> ${oneLine(m.replacement).slice(0, 100)}`);
  }
  return lines.join('\n');
}

/** The files of impl/ and model/ (mutation/groups.ts) the report has no results for: a score over the
 *  others is not the folder's. */
export function unmeasured(report: Report, files: string[] = GROUPS.flat()): string[] {
  return files.filter((f) => !(f in report.files));
}

/** The measured files whose source on disk is no longer the source their results were measured on. */
export function changedSince(report: Report, read: (file: string) => string | undefined = readSource): string[] {
  return Object.keys(report.files).filter((f) => read(f) !== report.files[f].source).sort();
}

function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The score per folder, the files still to run if there are any, and those changed since they ran. */
export function scoreLines(report: Report, equivalents: Equivalent[]): string[] {
  const lines = scoreFolders(report, ['impl/', 'model/'], equivalents).map(formatScore);
  const missing = unmeasured(report);
  if (missing.length > 0) lines.push(`not measured yet (${missing.length} files): ${missing.join(' ')}`);
  const changed = changedSince(report);
  if (changed.length > 0) lines.push(`changed since measured, results of the older code (${changed.length} files): ${changed.join(' ')}`);
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.argv[2] ?? 'mutation/stryker-incremental.json';
  const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
  const equivalents = readEquivalents(readFileSync(new URL('./equivalent.md', import.meta.url), 'utf8'));
  console.log(`mutation score from ${path}`);
  for (const line of scoreLines(report, equivalents)) console.log(line);
}
