// The tests a mutant of impl/ or model/ must get past (`npm run mutate`, see stryker.config.json). They fit a
// two-core machine: the unit tests and scenarios, a shortened refinement campaign (mutation/refinement.test.ts),
// and every law on a thirtieth of its programs. fast-check stops at the first failure (no shrinking): a
// mutant is killed by the failure, not by its minimal program. Test files share one module graph
// (isolate: false): Stryker switches mutants at run time, so nothing needs importing again per mutant.
import { statSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import type { TestSequencer, TestSpecification } from 'vitest/node';

// Which test files run first for a mutant. Stryker stops at the first failing test (bail), so the cheap
// unit tests go first and the long properties last; vitest's own order (slowest and last-failed first)
// would start every mutant with the refinement campaign. Within a tier, smaller files first.
const TIERS = [/^test\/(model|impl)\//, /^test\/(selftests|counterexamples)/, /^test\//, /^properties\/laws\//];
const tier = (file: string) => {
  const i = TIERS.findIndex((t) => t.test(file));
  return i === -1 ? TIERS.length : i;
};
class CheapFirst implements TestSequencer {
  async shard(files: TestSpecification[]) {
    return files;
  }
  async sort(files: TestSpecification[]) {
    const key = (f: TestSpecification) => {
      const rel = f.moduleId.slice(f.project.config.root.length + 1);
      return { tier: tier(rel), size: statSync(f.moduleId).size, rel };
    };
    return files
      .map((f) => ({ f, k: key(f) }))
      .sort((a, b) => a.k.tier - b.k.tier || a.k.size - b.k.size || (a.k.rel < b.k.rel ? -1 : 1))
      .map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    include: [
      'test/model/**/*.test.ts',
      'test/impl/**/*.test.ts',
      'test/selftests/selftests.test.ts',
      'test/state-compare.test.ts',
      'test/counterexamples.test.ts',
      'properties/laws.test.ts',
      'mutation/*.test.ts',
    ],
    setupFiles: ['mutation/setup.ts'],
    env: { TIMENS_LAW_FRACTION: '0.03' },
    isolate: false,
    sequence: { sequencer: CheapFirst },
    testTimeout: 900_000,
    hookTimeout: 120_000,
  },
});
