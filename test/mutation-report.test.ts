// Merging Stryker reports of runs over parts (mutation/report.ts) and reading the equivalent list
// (mutation/score.ts): test ids are per report, so merging goes by test name; results a changed test backed
// are dropped; equivalents are matched by file, start, mutator and replacement.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GROUPS, group } from '../mutation/groups.ts';
import { mergeReports, restrictTo } from '../mutation/report.ts';
import type { Report, ReportMutant } from '../mutation/report.ts';
import { changedSince, isEquivalent, readEquivalents, scoreFolders, unmeasured } from '../mutation/score.ts';

const at = (line: number, column: number) => ({ start: { line, column }, end: { line, column: column + 1 } });
const mutant = (id: string, status: ReportMutant['status'], by: string[], line = 1): ReportMutant =>
  ({ id, mutatorName: 'EqualityOperator', replacement: 'a <= b', location: at(line, 3), status, coveredBy: by, killedBy: status === 'Killed' ? by : undefined });

describe('mergeReports', () => {
  const whole: Report = {
    files: {
      'impl/a.ts': { source: 'a', mutants: [mutant('1', 'Killed', ['7']), mutant('2', 'Survived', ['8'])] },
      'impl/b.ts': { source: 'b', mutants: [mutant('3', 'Killed', ['8'])] },
    },
    testFiles: {
      'test/x.test.ts': { source: 'x1', tests: [{ id: '7', name: 'x one' }] },
      'test/y.test.ts': { source: 'y', tests: [{ id: '8', name: 'y one' }] },
    },
  };
  it('replaces the files of the part and keeps the others, with one numbering of tests by name', () => {
    const part: Report = {
      files: { 'impl/b.ts': { source: 'b2', mutants: [mutant('1', 'Survived', ['1'])] } },
      testFiles: { 'test/y.test.ts': { source: 'y', tests: [{ id: '1', name: 'y one' }] }, 'test/x.test.ts': { source: 'x1', tests: [{ id: '2', name: 'x one' }] } },
    };
    const m = mergeReports(whole, part);
    expect(Object.keys(m.files).sort()).toEqual(['impl/a.ts', 'impl/b.ts']);
    expect(m.files['impl/b.ts'].source).toBe('b2');
    const idOf = (file: string) => m.testFiles![file].tests[0].id;
    expect(m.files['impl/a.ts'].mutants.map((x) => x.coveredBy)).toEqual([[idOf('test/x.test.ts')], [idOf('test/y.test.ts')]]);
    expect(m.files['impl/b.ts'].mutants[0].coveredBy).toEqual([idOf('test/y.test.ts')]);
    expect(idOf('test/x.test.ts')).not.toBe(idOf('test/y.test.ts'));
  });
  it('forgets the kept results that a test changed since backed: they become not run', () => {
    const part: Report = {
      files: { 'impl/b.ts': { source: 'b', mutants: [] } },
      testFiles: { 'test/x.test.ts': { source: 'x2', tests: [{ id: '1', name: 'x one' }] }, 'test/y.test.ts': { source: 'y', tests: [{ id: '2', name: 'y one' }] } },
    };
    const a = mergeReports(whole, part).files['impl/a.ts'].mutants;
    expect(a.map((x) => [x.id, x.status])).toEqual([['1', 'Pending'], ['2', 'Survived']]);
    expect(a[0].coveredBy).toEqual([]);
    expect(a[0].killedBy).toBeUndefined();
    const [impl] = scoreFolders(mergeReports(whole, part), ['impl/'], []);
    expect(impl).toMatchObject({ killed: 0, pending: 1, survived: 1 });
  });
});

describe('the score', () => {
  const report: Report = {
    files: {
      'impl/a.ts': { source: '', mutants: [mutant('1', 'Killed', []), mutant('2', 'Timeout', []), mutant('3', 'Survived', [], 4), mutant('4', 'NoCoverage', [], 5), mutant('5', 'CompileError', [])] },
      'model/m.ts': { source: '', mutants: [mutant('6', 'Survived', [], 9)] },
    },
  };
  const equivalents = readEquivalents('| file | at | mutator | replacement | reason |\n| --- | --- | --- | --- | --- |\n| impl/a.ts | 4:3 | EqualityOperator | `a <= b` | why |\n');
  it('reads equivalents from the table and matches them by file, start, mutator and replacement', () => {
    expect(equivalents).toEqual([{ file: 'impl/a.ts', at: '4:3', mutator: 'EqualityOperator', replacement: 'a <= b', reason: 'why' }]);
    expect(isEquivalent(equivalents, 'impl/a.ts', report.files['impl/a.ts'].mutants[2])).toBe(true);
    expect(isEquivalent(equivalents, 'impl/a.ts', report.files['impl/a.ts'].mutants[3])).toBe(false);
  });
  it('counts per folder: timeouts as killed, compile errors apart, equivalents among the survivors', () => {
    const [impl, model] = scoreFolders(report, ['impl/', 'model/'], equivalents);
    expect(impl).toMatchObject({ killed: 1, timeout: 1, survived: 1, noCoverage: 1, invalid: 1, equivalent: 1 });
    expect(impl.open.map((o) => o.mutant.id)).toEqual(['4']);
    expect(model).toMatchObject({ killed: 0, survived: 1, equivalent: 0 });
  });
});

describe('mutation groups', () => {
  it('hold every file of impl/ and model/ exactly once', () => {
    const onDisk = ['impl', 'model'].flatMap((d) => readdirSync(d, { recursive: true }).map(String).filter((f) => f.endsWith('.ts')).map((f) => `${d}/${f}`));
    const grouped = GROUPS.flat();
    expect(new Set(grouped).size).toBe(grouped.length);
    expect([...grouped].sort()).toEqual(onDisk.sort());
  });
  it('are named by number from 1; anything else is refused with the range', () => {
    expect(group('1')).toEqual(GROUPS[0]);
    expect(group(String(GROUPS.length))).toEqual(GROUPS[GROUPS.length - 1]);
    for (const bad of ['0', String(GROUPS.length + 1), '1.5', 'x', '']) expect(String(group(bad))).toContain(`from 1 to ${GROUPS.length}`);
  });
  it('npm run mutate refuses a bad group with exit 2 before starting Stryker', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'mutation/run.ts', '--group', '0'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--group takes a number from 1 to');
  });
});

describe('the files a score covers', () => {
  const report: Report = { files: { 'impl/a.ts': { source: 'a1', mutants: [] }, 'model/m.ts': { source: 'm', mutants: [] } } };
  it('names the files without results and those whose source changed since their results', () => {
    expect(unmeasured(report, ['impl/a.ts', 'impl/b.ts', 'model/m.ts'])).toEqual(['impl/b.ts']);
    expect(changedSince(report, (f) => ({ 'impl/a.ts': 'a2', 'model/m.ts': 'm' })[f])).toEqual(['impl/a.ts']);
    expect(changedSince(report, () => undefined)).toEqual(['impl/a.ts', 'model/m.ts']);
  });
});

describe('a run over some files', () => {
  it('contributes only the files it mutated, named by path or glob', () => {
    const r: Report = { files: Object.fromEntries(['impl/a.ts', 'impl/sub/b.ts', 'model/m.ts', 'model/ktime.ts'].map((f) => [f, { source: f, mutants: [] }])) };
    expect(Object.keys(restrictTo(r, ['impl/a.ts']).files)).toEqual(['impl/a.ts']);
    expect(Object.keys(restrictTo(r, ['model/k*.ts', 'impl/**/*.ts']).files).sort()).toEqual(['impl/a.ts', 'impl/sub/b.ts', 'model/ktime.ts']);
    expect(Object.keys(restrictTo(r, ['impl/a.ts:10-12']).files)).toEqual(['impl/a.ts']);
  });
});
