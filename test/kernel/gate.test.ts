// No silent skips: what a kernel check does when the kernel cannot be used. An executor that does not
// compile fails every kernel check, everywhere; in CI every check that cannot run fails with the reason;
// elsewhere it is skipped with the reason. The last checks run vitest itself on a kernel test file, with
// a compiler that fails and with none at all, and read what it reported.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inCI, kernelCheckGate } from './skip.ts';
import { tsx, vitestCommand } from '../tsx.ts';

const unavailable = { ok: false, reason: 'this kernel has no time namespaces' } as const;
const broken = { ok: false, reason: 'the executor does not compile (cc exit status 1)', broken: true } as const;

describe('the gate of kernel checks', () => {
  it('runs them where the kernel can be used, in CI or not', () => {
    expect(kernelCheckGate({ ok: true }, false)).toEqual({ run: true });
    expect(kernelCheckGate({ ok: true }, true)).toEqual({ run: true });
  });
  it('skips them with the reason outside CI, and fails them with the reason in CI', () => {
    expect(kernelCheckGate(unavailable, false)).toEqual({ skip: `kernel checks skipped: ${unavailable.reason}` });
    expect(kernelCheckGate(unavailable, true)).toEqual({ fail: `CI requires the kernel checks, and they cannot run here: ${unavailable.reason}` });
  });
  it('fails them when the executor does not compile, in CI or not', () => {
    for (const ci of [false, true]) expect(kernelCheckGate(broken, ci)).toEqual({ fail: `the kernel executor is broken: ${broken.reason}` });
  });
  it('reads CI as CI services set it', () => {
    for (const v of ['true', '1', 'TRUE', 'yes']) expect(inCI({ CI: v }), v).toBe(true);
    for (const v of [undefined, '', '0', 'false']) expect(inCI({ CI: v }), String(v)).toBe(false);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'timens-gate-'));
const badCc = join(dir, 'bad-cc');
writeFileSync(badCc, '#!/bin/sh\necho "executor.c:1:1: error: planted compile error" >&2\nexit 1\n');
chmodSync(badCc, 0o755);
const noCc = join(dir, 'no-such-cc');

/** The environment of a child that builds its own executor in a fresh directory with compiler `cc`. */
function childEnv(cc: string, ci: string, name: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST') && k !== 'CI') env[k] = v;
  return { ...env, CC: cc, CI: ci, TIMENS_EXECUTOR_DIR: join(dir, name) };
}

describe('building the executor', () => {
  it('a compiler that fails is a broken build, with the compiler\'s message; no compiler is not', () => {
    const bad = spawnSync(...tsx('kernel/build.ts', []), { encoding: 'utf8', env: childEnv(badCc, '', 'build-bad') });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/the executor does not compile \(.*bad-cc exit status 1\):\nexecutor\.c:1:1: error: planted compile error/);
    const none = spawnSync(...tsx('kernel/build.ts', []), { encoding: 'utf8', env: childEnv(noCc, '', 'build-none') });
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no C compiler \(.*no-such-cc\): spawnSync .* ENOENT/);
  }, 60_000);
});

interface Reported { status: number | null; tests: { title: string; status: string; failureMessages: string[] }[] }

/** vitest on test/kernel/executor.test.ts in a child, with the JSON reporter. */
function vitestOnKernelFile(cc: string, ci: string, name: string): Promise<Reported> {
  const out = join(dir, `${name}.json`);
  return new Promise((resolve) => {
    const child = spawn(...vitestCommand(['run', 'test/kernel/executor.test.ts', '--reporter=json', `--outputFile=${out}`]),
      { env: childEnv(cc, ci, name), stdio: 'ignore' });
    child.on('exit', (status) => {
      const json = JSON.parse(readFileSync(out, 'utf8')) as { testResults: { assertionResults: Reported['tests'] }[] };
      resolve({ status, tests: json.testResults.flatMap((r) => r.assertionResults) });
    });
  });
}

describe('kernel checks in a vitest run where the executor cannot be had', () => {
  it('a broken build fails every kernel check outside CI; no compiler skips them outside CI and fails them in CI', async () => {
    const [brokenRun, skipped, inCi] = await Promise.all([
      vitestOnKernelFile(badCc, '', 'broken'), vitestOnKernelFile(noCc, '', 'skipped'), vitestOnKernelFile(noCc, 'true', 'ci'),
    ]);
    expect(brokenRun.status).toBe(1);
    expect(brokenRun.tests.length).toBeGreaterThan(0);
    for (const t of brokenRun.tests) {
      expect(t.status, t.title).toBe('failed');
      expect(t.failureMessages.join('\n')).toMatch(/the kernel executor is broken: the executor does not compile[^]*planted compile error/);
    }
    expect(skipped.status).toBe(0);
    expect(skipped.tests.length).toBe(brokenRun.tests.length);
    for (const t of skipped.tests) expect(t.status, t.title).toBe('skipped');
    expect(inCi.status).toBe(1);
    for (const t of inCi.tests) {
      expect(t.status, t.title).toBe('failed');
      expect(t.failureMessages.join('\n')).toMatch(/CI requires the kernel checks, and they cannot run here: no C compiler/);
    }
  }, 240_000);
});
