// The tests a mutant of impl/ or model/ must get past (`npm run mutate`, see stryker.config.json). They fit a
// two-core machine: the unit tests and scenarios, a shortened refinement campaign, and every law on a
// twentieth of its programs. fast-check stops at the first failure (no shrinking): a mutant is killed by
// the failure, not by its minimal program.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/model/**/*.test.ts',
      'test/impl/**/*.test.ts',
      'test/selftests/selftests.test.ts',
      'test/state-compare.test.ts',
      'test/counterexamples.test.ts',
      'test/unprivileged-refinement.test.ts',
      'properties/laws/*.test.ts',
      'mutation/*.test.ts',
    ],
    setupFiles: ['mutation/setup.ts'],
    env: { TIMENS_LAW_FRACTION: '0.05' },
    testTimeout: 900_000,
    hookTimeout: 120_000,
  },
});
