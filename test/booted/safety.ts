// The executor's guard and seccomp wall hold inside every kernel booted under QEMU.
import { safetyChecks } from '../kernel/safety-checks.ts';
import { BOOTED_VERSIONS } from '../kernel/targets.ts';

for (const v of BOOTED_VERSIONS) safetyChecks({ name: `Linux ${v} under QEMU`, mode: { kernel: v } });
