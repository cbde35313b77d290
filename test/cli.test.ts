// The command line as a user meets it: exit statuses, messages that name the bad field, no stack traces.
// Each test runs its own commands on its own files, so the tests run side by side (a run is mostly the
// start of node and tsx).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliHarness } from './tsx.ts';

const { dir, file, cliAsync: cli } = cliHarness('timens-cli-');

const program = {
  format: 1, kernel: 'current', env: { seed: 'cli' },
  steps: [
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f0' },
    { task: 't0', call: 'write', fd: 'f0', text: 'monotonic 5 0' },
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'readlink', target: 't0', link: 'time' },
  ],
};

describe.concurrent('timens command line', () => {
  it('refuses a bad program with exit 2, naming the field, without a stack trace', async () => {
    const bad = file('bad.json', { ...program, steps: [{ task: 't0', call: 'unshare', flags: ['CLONE_NEWIPC'] }] });
    const r = await cli(['replay', bad]);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/bad program: \S*bad\.json: steps\[0\]\.flags\[0\]: expected one of/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['not JSON', '{"format": 1', /not JSON/],
    ['wrong version', { ...program, format: 7 }, /format: expected 1, got 7/],
    ['unknown step', { ...program, steps: [{ task: 't0', call: 'reboot' }] }, /steps\[0\]\.call/],
    ['field out of range', { ...program, steps: [{ task: 't0', call: 'setuid', uid: -3 }] }, /steps\[0\]\.uid: -3 is out of range/],
    ['a value taken from a later step', { ...program, steps: [
      { task: 't0', call: 'nanosleep', value: { from: 1, field: 'time', delta: '0' } },
      { task: 't0', call: 'clock_gettime', clock: 'CLOCK_MONOTONIC', vdso: true },
    ] }, /steps\[0\]\.value\.from: steps\[1\] comes after this step/],
    ['a value taken from a field the step has not', { ...program, steps: [
      { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'nanosleep', value: { from: 0, field: 'time', delta: '0' } },
    ] }, /steps\[1\]\.value\.field: steps\[0\] is unshare, whose observation has no "time"/],
  ])('refuses a file that is %s with exit 2', async (name, content, message) => {
    const r = await cli(['check', file(`${name.replace(/ /g, '-')}.json`, content)]);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('reports a missing file with exit 2', async () => {
    const r = await cli(['replay', join(dir, 'absent.json')]);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/cannot read: ENOENT/);
  });

  it('runs a program on one side, one JSON observation per line', async () => {
    const r = await cli(['run', file('p.json', program), '--side', 'model']);
    expect(r.status).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(program.steps.length);
    expect(lines[2]).toEqual({ ret: 'monotonic 5 0'.length });
    expect(lines[4].link).toBe('time:[4026531834]'); // unshare never moves the caller
  });

  it('replays an agreeing program with exit 0 and a differing one with exit 1, showing the first difference', async () => {
    const ok = await cli(['replay', file('ok.json', program)]);
    expect(ok.status).toBe(0);
    expect(ok.out).toMatch(/agrees: all 5 steps/);
    const differing = file('differs.json', {
      counterexample: 1, property: 'refinement', sides: ['model', 'impl-zero-offsets'],
      divergence: { index: 3, kind: 'state', left: { ret: 0 }, right: { ret: 0 } }, program,
    });
    const r = await cli(['replay', differing], { TIMENS_SIDES: 'test/planted-sides.ts' });
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/first difference: step 3/);
    expect(r.out).toMatch(/STILL DIFFERS at step 3/);
  });

  it('names an unknown side in a counterexample file', async () => {
    const r = await cli(['replay', file('side.json', { counterexample: 1, property: 'x', sides: ['model', 'nosuch'], divergence: {}, program })]);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/sides\[1\]: no side called "nosuch"/);
  });

  it('names the file in every refusal of one (read, parse, field, kernel-only step, output)', async () => {
    const field = file('field.json', { ...program, env: {} });
    const suspend = file('suspend.json', { ...program, steps: [{ host: 'suspend', ns: '1' }] });
    const out = join(dir, 'no-such-dir', 'x.html');
    const fieldArgs = [['run', field], ['check', field], ['replay', field], ['export-c', field], ['report', field]];
    const suspendArgs = [['run', suspend, '--side', 'kernel'], ['export-c', suspend]];
    const [fieldRuns, suspendRuns, r] = await Promise.all([
      Promise.all(fieldArgs.map((args) => cli(args))),
      Promise.all(suspendArgs.map((args) => cli(args))),
      cli(['report', file('fine.json', program), '-o', out]),
    ]);
    fieldArgs.forEach((args, i) => {
      expect(fieldRuns[i].status, args.join(' ')).toBe(2);
      expect(fieldRuns[i].err, args.join(' ')).toContain(`${field}: env.seed: missing`);
    });
    suspendArgs.forEach((args, i) => {
      expect(suspendRuns[i].status, args.join(' ')).toBe(2);
      expect(suspendRuns[i].err, args.join(' ')).toContain(`${suspend}: steps[0] is a "suspend" host event`);
    });
    expect(r.status).toBe(2);
    expect(r.err).toContain(`${out}: cannot write: ENOENT`);
  });

  it.each(['campaign', 'merge', 'replay', 'run', 'check', 'report', 'export-c'])('%s --help prints its own usage on stdout, exit 0', async (command) => {
    const r = await cli([command, '--help']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(new RegExp(`^usage:\n  timens ${command} `));
    // Its own usage, not every command's.
    const others = ['campaign', 'merge', 'replay', 'run', 'check', 'report', 'export-c'].filter((c) => c !== command);
    for (const o of others) expect(r.out).not.toMatch(new RegExp(`\n  timens ${o} `));
    expect(r.err).toBe('');
  });

  it.each([
    ['4294967296', '2^32, which fast-check would take as 0'],
    ['9007199254740993', '2^53 + 1, which a JavaScript number rounds'],
    ['-1', 'negative'],
  ])('refuses --seed %s (%s) with exit 2 rather than run another seed', async (seed) => {
    const r = await cli(['campaign', '--seed', seed, '--runs', '1', '--steps', '1']);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/--seed takes a whole number/);
    expect(r.out).not.toMatch(/campaign:/);
  });

  it('takes the largest seed exactly and prints it in a form that can be pasted back', async () => {
    const r = await cli(['campaign', '--seed', '4294967295', '--runs', '1', '--steps', '1', '--shard', '1/1', '--out', join(dir, 'seed-shard')]);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/--seed 4294967295,/);
  });

  it('replay shows the stored note, how the file was found and the divergence as stored', async () => {
    const stored = file('stored.json', {
      counterexample: 1, property: 'refinement', sides: ['model', 'impl'], note: 'fixed by re-queueing a restarted read',
      found: { seed: 11, path: '3:1', runs: 100, maxSteps: 8 },
      divergence: { index: 4, kind: 'observation', left: { ret: 16, link: 'time:[4026531834]' }, right: { ret: 16, link: 'time:[4026531840]' } }, program,
    });
    const r = await cli(['replay', stored]);
    expect(r.status).toBe(0);
    expect(r.out).toContain('note: fixed by re-queueing a restarted read');
    expect(r.out).toContain('found: --seed 11 (fast-check path 3:1), --runs 100 --steps 8');
    expect(r.out).toContain('stored divergence: step 4 (observation)');
    expect(r.out).toContain('impl: {"ret":16,"link":"time:[4026531840]"}');
  });

  it('writes nothing when refusing input', async () => {
    const before = readdirSync('counterexamples').sort();
    await cli(['campaign', '--runs', 'many']);
    expect(readdirSync('counterexamples').sort()).toEqual(before);
  });

  // README: a program that cannot run on the kernel is refused with exit 2. Refused before the kernel
  // is even looked for, so this holds on every machine.
  it.each([
    ['suspend', { host: 'suspend', ns: '1000000' }, /steps\[2\] is a "suspend" host event: a real machine cannot be suspended by a test/],
    ['settime', { host: 'settime', realtime: '1700000000000000000' }, /steps\[2\] is a "settime" host event: the clock of a real machine is never set by a test/],
  ])('refuses a valid program with %s on the kernel with exit 2, naming the step, without a stack trace', async (name, event, message) => {
    const steps = [program.steps[0], program.steps[1], event, program.steps[4]];
    const p = file(`${name}-kernel.json`, { ...program, steps });
    const onKernel = [['run', p, '--side', 'kernel'], ['replay', file(`${name}-kernel-cx.json`, {
      counterexample: 1, property: 'kernel', sides: ['model', 'kernel'], divergence: { index: 0, kind: 'observation', left: {}, right: {} }, program: { ...program, steps },
    })]];
    const [checked, ...runs] = await Promise.all([cli(['check', p]), ...onKernel.map((args) => cli(args))]);
    expect(checked.status).toBe(0);
    for (const [i, args] of onKernel.entries()) {
      const r = runs[i];
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/^cannot run on the kernel: /);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).not.toMatch(/ret |#  step/); // nothing ran: no observation, no side-by-side table
    }
  });

  it.each([
    [['campaign', '--kernel', '5.10', '--against', 'kernel'], /--kernel takes one of 6\.1, 6\.12, got "5\.10"/],
    [['campaign', '--against', 'kernel', '--kernel', '6.1', '--unprivileged', 'yes'], /--unprivileged is not supported with --kernel/],
    [['run', 'x.json', '--kernel', '6.1'], /--kernel goes with --side kernel/],
  ])('refuses %j with exit 2 before anything boots', async (args, message) => {
    const r = await cli(args);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(message);
  });
});
