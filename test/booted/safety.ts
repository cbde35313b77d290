// The executor's guard and seccomp wall hold inside every kernel booted under QEMU.
import { safetyChecks } from '../kernel/safety-checks.ts';

export function bootedSafety(v: string): void {
  safetyChecks({ name: `Linux ${v} under QEMU`, mode: { kernel: v } });
}
