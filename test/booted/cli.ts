// The command line on a kernel booted under QEMU: run --side kernel --kernel V.
import { describe, expect, it } from 'vitest';
import { gate, kernelGateFor } from '../kernel/skip.ts';
import { cliHarness } from '../tsx.ts';

const { file, cli } = cliHarness('timens-cli-booted-');

const program = {
  format: 1, kernel: '6.12', env: { seed: 'cli' },
  steps: [
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f0' },
    { task: 't0', call: 'write', fd: 'f0', text: 'monotonic 5 0' },
    { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'readlink', target: 't0', link: 'time' },
  ],
};

export function bootedCli(): void {
  describe('timens run on a kernel booted under QEMU', () => {
    gate(kernelGateFor({ kernel: '6.12' }));
    it('--side kernel --kernel 6.12 prints the booted kernel\'s observations', () => {
      const r = cli(['run', file('q.json', program), '--side', 'kernel', '--kernel', '6.12']);
      expect(r.status, r.err).toBe(0);
      const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.slice(0, 4)).toEqual([{ ret: 0 }, { ret: 0, handle: 'f0' }, { ret: 13 }, { ret: 0 }]);
      expect(lines[4]).toEqual({ ret: 17, link: 'time:[4026531834]' });
    });
  });
}
