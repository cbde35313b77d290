// Linux 6.1 and 6.12 booted under QEMU, each against its profile (test/kernel/version-checks.ts).
import { kernelGateFor } from '../kernel/skip.ts';
import { versionChecks } from '../kernel/version-checks.ts';
import type { KernelBehaviour } from '../../vocab/index.ts';

export function bootedVersion(v: KernelBehaviour): void {
  versionChecks({ name: `Linux ${v} under QEMU`, profile: v, mode: { kernel: v }, gate: () => kernelGateFor({ kernel: v }) });
}
