// The kernels a kernel check runs on: this machine's, and each version the harness boots under QEMU
// (kernel/vm.ts). A booted version whose image or QEMU is missing is gated like any kernel that cannot
// be used (skip.ts): skipped with the reason, failed in CI.
import type { ExecutorMode } from '../../kernel/driver.ts';

export interface KernelTarget {
  name: string;
  mode: ExecutorMode;
}

/** The versions booted under QEMU, as the profiles name them. */
export const BOOTED_VERSIONS = ['6.1', '6.12'] as const;

export const KERNEL_TARGETS: KernelTarget[] = [
  { name: "this machine's kernel", mode: {} },
  ...BOOTED_VERSIONS.map((v) => ({ name: `Linux ${v} under QEMU`, mode: { kernel: v } })),
];
