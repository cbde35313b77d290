// The kernels a kernel check runs on: this machine's, and each version the harness boots under QEMU
// (kernel/vm.ts). A booted version whose image or QEMU is missing is gated like any kernel that cannot
// be used (skip.ts): skipped with the reason, failed in CI. Checks on booted kernels live in test/booted/,
// which runs after everything else (vitest.config.ts): an emulated CPU keeps a host CPU busy, and
// checks that time this machine's kernel must not run beside it.
import type { ExecutorMode } from '../../kernel/driver.ts';

export interface KernelTarget {
  name: string;
  mode: ExecutorMode;
}

/** The versions booted under QEMU, as the profiles name them. */
export const BOOTED_VERSIONS = ['6.1', '6.12'] as const;
