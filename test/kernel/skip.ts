// Kernel checks run where they can. Where they cannot, kernelCheckGate decides: an executor that does not
// compile is a failure everywhere; in CI (CI=true) every check that cannot run fails, naming the reason;
// elsewhere it is skipped, the reason shown beside each skipped check and printed once.
import { beforeEach } from 'vitest';
import type { TestContext } from 'vitest';
import { kernelAvailable } from '../../kernel/driver.ts';
import type { Availability, ExecutorMode } from '../../kernel/driver.ts';

export type Gate = { run: true } | { skip: string } | { fail: string };

/** Whether CI asks for every check to run: CI set to anything but "", "0" or "false". */
export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** What a kernel check does, given whether the kernel can be used here and whether this is CI. */
export function kernelCheckGate(available: Availability, ci: boolean): Gate {
  if (available.ok) return { run: true };
  if (available.broken) return { fail: `the kernel executor is broken: ${available.reason}` };
  if (ci) return { fail: `CI requires the kernel checks, and they cannot run here: ${available.reason}` };
  return { skip: `kernel checks skipped: ${available.reason}` };
}

const shown = new Set<string>();

/** The gate of checks that need the kernel (in the given executor mode), announced once per reason. */
export function kernelGateFor(mode: ExecutorMode = {}, ci = inCI()): Gate {
  const g = kernelCheckGate(kernelAvailable(mode), ci);
  const why = 'skip' in g ? g.skip : 'fail' in g ? `FAILING: ${g.fail}` : undefined;
  if (why && !shown.has(why)) {
    shown.add(why);
    console.log(why);
  }
  return g;
}

/** Applies a gate: with a test context, to that test now; without, to every test of the enclosing
 *  describe (before each). A skip carries the reason as its note; a failure throws it. */
export function gate(g: Gate, ctx?: TestContext): void {
  const apply = (c: TestContext) => {
    if ('skip' in g) c.skip(g.skip);
    if ('fail' in g) throw new Error(g.fail);
  };
  if (ctx) apply(ctx);
  else beforeEach((c) => apply(c));
}

/** Checks that need the kernel, run by this process as it is. */
export const kernelGate = kernelGateFor();

/** Checks whose expected values are written for a program that starts as root: where this process is
 *  not root, the executor starts every program in a user namespace of its own (Environment.userNamespace),
 *  so they cannot run (the model's agreement with the kernel is still checked there). */
export const rootStartGate: Gate = !('run' in kernelGate) ? kernelGate
  : kernelCheckGate(process.getuid?.() === 0 ? { ok: true }
    : { ok: false, reason: 'expected values written for a program that starts as root; the executor is not root here' }, inCI());
