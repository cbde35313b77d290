// The tests a mutant of impl/ or model/ must get past (`npm run mutate`, see stryker.config.json). They fit a
// two-core machine: the unit tests and scenarios, a shortened refinement campaign (mutation/refinement.test.ts),
// and every law on a thirtieth of its programs. fast-check stops at the first failure (no shrinking): a
// mutant is killed by the failure, not by its minimal program. Test files share one module graph
// (isolate: false): Stryker switches mutants at run time, so nothing needs importing again per mutant.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/model/**/*.test.ts',
      'test/impl/**/*.test.ts',
      'test/selftests/selftests.test.ts',
      'test/state-compare.test.ts',
      'test/counterexamples.test.ts',
      'properties/laws/*.test.ts',
      'mutation/*.test.ts',
    ],
    setupFiles: ['mutation/setup.ts'],
    env: { TIMENS_LAW_FRACTION: '0.03' },
    isolate: false,
    testTimeout: 900_000,
    hookTimeout: 120_000,
  },
});
