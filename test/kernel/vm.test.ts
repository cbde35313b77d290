// Kernels booted under QEMU (kernel/vm.ts): the initramfs is a newc archive, a version finds its own
// images only, and each cached kernel was built with time namespaces. versions.test.ts boots each one.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpioArchive, findKernel, releaseOfVersion } from '../../kernel/vm.ts';
import { gate, kernelCheckGate, kernelGateFor } from './skip.ts';
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
});

describe('kernel versions', () => {
  it('a version with no image in the cache cannot be booted, says how to fetch it, and fails in CI', () => {
    const saved = process.env.TIMENS_KERNEL_CACHE;
    process.env.TIMENS_KERNEL_CACHE = mkdtempSync(join(tmpdir(), 'timens-no-kernels-'));
    try {
      const found = findKernel('6.1');
      expect(found).toEqual({ missing: expect.stringMatching(/no Linux 6\.1 image in .*scripts\/fetch-kernels\.sh 6\.1/) });
      const reason = 'missing' in found ? found.missing : '';
      expect(kernelCheckGate({ ok: false, reason }, true)).toEqual({ fail: expect.stringContaining(reason) });
      expect(kernelCheckGate({ ok: false, reason }, false)).toEqual({ skip: expect.stringContaining(reason) });
    } finally {
      if (saved === undefined) delete process.env.TIMENS_KERNEL_CACHE;
      else process.env.TIMENS_KERNEL_CACHE = saved;
    }
  });

  it('a version takes its own releases only', () => {
    expect(releaseOfVersion('6.1.0-57-cloud-amd64', '6.1')).toBe(true);
    expect(releaseOfVersion('6.1.192', '6.1')).toBe(true);
    expect(releaseOfVersion('6.12.117+deb12-cloud-amd64', '6.1')).toBe(false);
    expect(releaseOfVersion('6.12.117+deb12-cloud-amd64', '6.12')).toBe(true);
    expect(releaseOfVersion('6.10.3', '6.1')).toBe(false);
  });
});

for (const version of BOOTED_VERSIONS) {
  describe(`Linux ${version} under QEMU`, () => {
    gate(kernelGateFor({ kernel: version }));
    it('was built with time namespaces (CONFIG_TIME_NS=y)', () => {
      const image = findKernel(version);
      if ('missing' in image) throw new Error(image.missing);
      expect(readFileSync(image.config, 'utf8')).toMatch(/^CONFIG_TIME_NS=y$/m);
    });
  });
}
