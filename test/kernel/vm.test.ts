// Kernels booted under QEMU (kernel/vm.ts): the initramfs is an archive the kernel can unpack, a version
// finds its own images only, and each booted kernel is the version asked for, with time namespaces.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOnKernel } from '../../kernel/driver.ts';
import { cpioArchive, findKernel, releaseOfVersion } from '../../kernel/vm.ts';
import type { Program } from '../../vocab/index.ts';
import { gate, kernelGateFor } from './skip.ts';
import { BOOTED_VERSIONS } from './targets.ts';

describe('the initramfs archive', () => {
  const archive = cpioArchive([
    { name: 'dev', mode: 0o040755 },
    { name: 'init', mode: 0o100755, data: Buffer.from('#!odd length') },
    { name: 'executor', mode: 0o100644, data: Buffer.from('x') },
  ]);

  it('is newc: every header is "070701" and 13 eight-digit hex fields, name and data 4-byte aligned', () => {
    const seen: { name: string; mode: number; data: string }[] = [];
    let at = 0;
    for (;;) {
      const header = archive.subarray(at, at + 110).toString('latin1');
      expect(header.slice(0, 6)).toBe('070701');
      const field = (i: number) => parseInt(header.slice(6 + 8 * i, 14 + 8 * i), 16);
      const [mode, size, nameSize] = [field(1), field(6), field(11)];
      const name = archive.subarray(at + 110, at + 110 + nameSize - 1).toString('latin1');
      expect(archive[at + 110 + nameSize - 1]).toBe(0);
      const dataAt = Math.ceil((at + 110 + nameSize) / 4) * 4;
      at = Math.ceil((dataAt + size) / 4) * 4;
      if (name === 'TRAILER!!!') break;
      seen.push({ name, mode, data: archive.subarray(dataAt, dataAt + size).toString('latin1') });
    }
    expect(at).toBe(archive.length);
    expect(seen).toEqual([
      { name: 'dev', mode: 0o040755, data: '' },
      { name: 'init', mode: 0o100755, data: '#!odd length' },
      { name: 'executor', mode: 0o100644, data: 'x' },
    ]);
  });

  it('is read back by cpio, where it is installed', (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'timens-cpio-'));
    writeFileSync(join(dir, 'a.cpio'), archive);
    const r = spawnSync('cpio', ['-it', '-F', join(dir, 'a.cpio')], { encoding: 'utf8' });
    if (r.error) ctx.skip(`cpio is not installed: ${r.error.message}`);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['dev', 'init', 'executor']);
  });
});

describe('kernel versions', () => {
  it('a version takes its own releases only', () => {
    expect(releaseOfVersion('6.1.0-57-cloud-amd64', '6.1')).toBe(true);
    expect(releaseOfVersion('6.1.192', '6.1')).toBe(true);
    expect(releaseOfVersion('6.12.117+deb12-cloud-amd64', '6.1')).toBe(false);
    expect(releaseOfVersion('6.12.117+deb12-cloud-amd64', '6.12')).toBe(true);
    expect(releaseOfVersion('6.10.3', '6.1')).toBe(false);
  });
});

const readlink: Program = { format: 1, kernel: 'current', env: { seed: 'vm' }, steps: [
  { task: 't0', call: 'readlink', target: 't0', link: 'time' },
  { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
  { task: 't0', call: 'readlink', target: 't0', link: 'time_for_children' },
] };

for (const version of BOOTED_VERSIONS) {
  describe(`Linux ${version} under QEMU`, () => {
    gate(kernelGateFor({ kernel: version }));
    it('was built with time namespaces (CONFIG_TIME_NS=y)', () => {
      const image = findKernel(version);
      if ('missing' in image) throw new Error(image.missing);
      expect(readFileSync(image.config, 'utf8')).toMatch(/^CONFIG_TIME_NS=y$/m);
    });
    it('boots, runs the executor, and is the version asked for, with time namespaces', async () => {
      const run = await runOnKernel(readlink, { kernel: version });
      expect(releaseOfVersion(run.release, version), run.release).toBe(true);
      const [initial, unshared, made] = run.steps.map((s) => s.obs);
      expect(initial).toEqual({ ret: 17, link: 'time:[4026531834]' });
      expect(unshared).toEqual({ ret: 0 });
      expect(made).toMatchObject({ ret: 17, link: expect.stringMatching(/^time:\[\d+\]$/) });
      expect(made).not.toEqual(initial);
    });
  });
}
