// `npm run test:stress [-- --runs N]`: runs the test suite (`npm test`) N times in a row (default 5) while
// one busy loop per CPU keeps every core loaded, so that a test depending on scheduling within
// milliseconds shows itself. Prints each run's counts, duration and failed tests, then
// "stress: P/N runs passed"; exits 1 if any run failed. A run that has not ended after --run-limit seconds
// (default 3600: a hang, not a slow run) is killed and counted as failed.
//
// The busy loops are child processes that also watch their parent: if this process dies without a chance
// to kill them (SIGKILL), they see their parent change and exit, so none is ever left spinning.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, createWriteStream } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

function parseArgs(argv: string[]): { runs: number; loops: number; limitS: number } {
  let runs = 5;
  let loops = availableParallelism();
  let limitS = 3600;
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) usage(`${argv[i - 1]} needs a whole number, not ${argv[i]}`);
      return v;
    };
    if (argv[i] === '--runs') runs = value();
    else if (argv[i] === '--loops') loops = value();
    else if (argv[i] === '--run-limit') limitS = value();
    else usage(`unknown argument ${argv[i]}`);
  }
  if (runs < 1) usage('--runs must be at least 1');
  return { runs, loops, limitS };
}

function usage(why: string): never {
  console.error(`stress: ${why}\nusage: npm run test:stress -- [--runs N] [--loops N (default: one per CPU)] [--run-limit SECONDS]`);
  process.exit(2);
}

// ---- Busy loops --------------------------------------------------------------------------------------

/** Spins; every few million iterations checks that its parent is still the one that started it. */
const BUSY_LOOP = `
const parent = Number(process.argv[1]);
for (let i = 1; ; i++) if (i % 5e6 === 0 && process.ppid !== parent) process.exit(0);
`;

const loops: ChildProcess[] = [];

function startLoops(n: number): void {
  for (let i = 0; i < n; i++) {
    loops.push(spawn(process.execPath, ['-e', BUSY_LOOP, String(process.pid)], { stdio: 'ignore' }));
  }
}

// ---- The suite ----------------------------------------------------------------------------------------

/** The `npm test` of the current run: its own process group, so it can be ended with every worker. */
let suite: ChildProcess | undefined;

function killSuite(): void {
  if (suite?.pid === undefined || suite.exitCode !== null || suite.signalCode !== null) return;
  try {
    process.kill(-suite.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function cleanup(): void {
  killSuite();
  for (const l of loops) l.kill('SIGKILL');
}

process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    console.error(`\nstress: ${sig}, stopping`);
    cleanup();
    process.exit(130);
  });
}

interface RunResult {
  ok: boolean;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  failures: string[];
  note?: string;
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  success: boolean;
  testResults: { name: string; status: string; message?: string; assertionResults: { fullName: string; status: string }[] }[];
}

function runSuite(log: string, report: string, limitS: number): Promise<RunResult> {
  const start = process.hrtime.bigint();
  rmSync(report, { force: true });
  // `npm test` as the README gives it; the extra reporter only adds a machine-readable copy of the results.
  const args = ['test', '--', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
  return new Promise((resolve) => {
    const out = createWriteStream(log);
    suite = spawn('npm', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    suite.stdout!.pipe(out, { end: false });
    suite.stderr!.pipe(out, { end: false });
    let hung = false;
    const limit = setTimeout(() => {
      hung = true;
      killSuite();
    }, limitS * 1000);
    suite.on('close', (code, signal) => {
      clearTimeout(limit);
      out.end();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (hung) {
        resolve({ ok: false, passed: 0, failed: 0, skipped: 0, seconds, failures: [], note: `killed after ${limitS} s without ending; see ${log}` });
        return;
      }
      if (!existsSync(report)) {
        resolve({ ok: false, passed: 0, failed: 0, skipped: 0, seconds, failures: [],
          note: `no test results (exit ${code ?? signal}): the typecheck or vitest itself failed; see ${log}` });
        return;
      }
      const r = JSON.parse(readFileSync(report, 'utf8')) as VitestJson;
      const failures: string[] = [];
      for (const file of r.testResults) {
        const failedTests = file.assertionResults.filter((a) => a.status === 'failed');
        for (const a of failedTests) failures.push(`${file.name.replace(`${process.cwd()}/`, '')} > ${a.fullName}`);
        // A file that failed outside any test (an import error, a failing hook).
        if (file.status === 'failed' && failedTests.length === 0) failures.push(`${file.name.replace(`${process.cwd()}/`, '')}: ${file.message ?? 'failed'}`);
      }
      resolve({
        ok: code === 0 && r.success && failures.length === 0,
        passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests, seconds, failures,
        note: code === 0 ? undefined : `exit ${code ?? signal}`,
      });
    });
  });
}

async function main(): Promise<void> {
  const { runs, loops: nLoops, limitS } = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'timens-stress-'));
  startLoops(nLoops);
  console.log(`stress: ${runs} runs of npm test, ${nLoops} busy loops; logs in ${dir}`);
  let passed = 0;
  for (let i = 1; i <= runs; i++) {
    const r = await runSuite(join(dir, `run-${i}.log`), join(dir, `run-${i}.json`), limitS);
    if (r.ok) passed++;
    const counts = `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`;
    console.log(`run ${i}/${runs}: ${r.ok ? 'PASS' : 'FAIL'}  ${counts}  ${r.seconds.toFixed(0)} s${r.note ? `  (${r.note})` : ''}`);
    for (const f of r.failures) console.log(`  failed: ${f}`);
  }
  console.log(`stress: ${passed}/${runs} runs passed`);
  cleanup();
  process.exit(passed === runs ? 0 : 1);
}

void main();
