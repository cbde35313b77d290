// Kernel checks run only where they can; elsewhere they are skipped with the reason printed.
import { kernelAvailable } from '../../kernel/driver.ts';

const available = kernelAvailable();

/** The reason kernel checks cannot run here, or false when they can. */
export const kernelSkipReason: string | false = available.ok ? false : available.reason;

if (kernelSkipReason) console.log(`kernel checks skipped: ${kernelSkipReason}`);
