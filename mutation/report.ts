// Stryker reports as this directory reads and merges them (mutation-testing-report-schema): the mutants of
// each mutated file, and the tests of each test file under ids that are local to one report.
export interface ReportMutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
  status: 'Killed' | 'Survived' | 'NoCoverage' | 'CompileError' | 'RuntimeError' | 'Timeout' | 'Ignored' | 'Pending';
  coveredBy?: string[];
  killedBy?: string[];
}

export interface ReportTest {
  id: string;
  name: string;
}

export interface Report {
  files: Record<string, { source: string; mutants: ReportMutant[] }>;
  testFiles?: Record<string, { source?: string; tests: ReportTest[] }>;
  [other: string]: unknown;
}

/**
 * The results of `part` (a run over some files) laid over `whole`: part's mutated files replace theirs.
 * Test ids are renumbered, since each report numbers its tests itself. A test file whose source differs
 * between the two is taken from part; whole's mutants that such a test covered or killed lose their result
 * (status Pending, no tests: the score shows them as not run), so that the next run tests them again
 * instead of trusting a result the changed test no longer backs.
 */
export function mergeReports(whole: Report, part: Report): Report {
  const ids = new Map<string, string>();
  const keyOf = (file: string, name: string) => `${file}\u0000${name}`;
  const testFiles: NonNullable<Report['testFiles']> = {};
  const add = (r: Report, file: string) => {
    const f = r.testFiles![file];
    testFiles[file] = {
      ...f,
      tests: f.tests.map((t) => {
        const key = keyOf(file, t.name);
        if (!ids.has(key)) ids.set(key, String(ids.size + 1));
        return { ...t, id: ids.get(key)! };
      }),
    };
  };
  const changed = new Set<string>();
  for (const file of Object.keys(part.testFiles ?? {})) {
    add(part, file);
    const old = whole.testFiles?.[file];
    if (old !== undefined && old.source !== part.testFiles![file].source) changed.add(file);
  }
  for (const file of Object.keys(whole.testFiles ?? {})) if (!(file in testFiles)) add(whole, file);

  // Each report's local test id -> the merged id, and whether its file changed.
  const local = (r: Report) => {
    const m = new Map<string, { id: string; changed: boolean }>();
    for (const [file, f] of Object.entries(r.testFiles ?? {})) {
      for (const t of f.tests) m.set(t.id, { id: ids.get(keyOf(file, t.name))!, changed: changed.has(file) });
    }
    return m;
  };
  const relabel = (r: Report, forgetChanged: boolean) => {
    const m = local(r);
    const files: Report['files'] = {};
    for (const [file, f] of Object.entries(r.files)) {
      const backedByChanged = (x: ReportMutant) => [...(x.coveredBy ?? []), ...(x.killedBy ?? [])].some((id) => m.get(id)?.changed);
      const mutants = f.mutants
        .map((x): ReportMutant => (forgetChanged && backedByChanged(x) ? { ...x, status: 'Pending', coveredBy: [], killedBy: undefined } : x))
        .map((x) => ({
          ...x,
          ...(x.coveredBy ? { coveredBy: x.coveredBy.map((id) => m.get(id)!.id) } : {}),
          ...(x.killedBy ? { killedBy: x.killedBy.map((id) => m.get(id)!.id) } : {}),
        }));
      files[file] = { ...f, mutants };
    }
    return files;
  };
  const kept = Object.fromEntries(Object.entries(relabel(whole, true)).filter(([file]) => !(file in part.files)));
  return { ...whole, ...part, files: { ...kept, ...relabel(part, false) }, testFiles };
}

/** `pattern` (a path, `*` within a name, `**` across folders, a `:lines` range ignored) as a test of a path. */
function globTest(pattern: string): (file: string) => boolean {
  const path = pattern.replace(/:[\d:-]+(,.*)?$/, '');
  const re = path.split(/(\*\*\/?|\*)/).map((part) => (part.startsWith('**') ? '(?:.*/)?' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))).join('');
  const r = new RegExp(`^${re}$`);
  return (file) => r.test(file);
}

/**
 * Only the files a run mutated. Stryker also writes the other files of the incremental file it was given,
 * moved onto their current sources with the results of changed code left out; kept as they were instead,
 * their stored source tells that they changed since (mutation/score.ts).
 */
export function restrictTo(report: Report, patterns: string[]): Report {
  const tests = patterns.map(globTest);
  return { ...report, files: Object.fromEntries(Object.entries(report.files).filter(([file]) => tests.some((t) => t(file)))) };
}
