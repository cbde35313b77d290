// Kernel checks run only where they can; elsewhere they are skipped with the reason printed.
import { kernelAvailable } from '../../kernel/driver.ts';

const available = kernelAvailable();

/** The reason kernel checks cannot run here, or false when they can. */
export const kernelSkipReason: string | false = available.ok ? false : available.reason;

if (kernelSkipReason) console.log(`kernel checks skipped: ${kernelSkipReason}`);

/** Where this process is not root, the executor starts every program in a user namespace of its own
 * (Environment.userNamespace): checks whose expected values are written for a root start are skipped
 * there, with this reason (the model's agreement with the kernel is still checked). */
export const rootStartSkipReason: string | false = kernelSkipReason || (process.getuid?.() === 0 ? false
  : 'expected values written for a program that starts as root; the executor is not root here');

if (!kernelSkipReason && rootStartSkipReason) console.log(`root-start kernel checks skipped: ${rootStartSkipReason}`);
