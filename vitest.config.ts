import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'properties/**/*.test.ts'],
    // No test is judged by how long it takes. The generated-program properties are synchronous and
    // CPU-bound: a timeout cannot stop them, it only turns a slow pass on a loaded machine into a
    // failure (the refinement property took 278 s beside two busy loops). Every kernel run has its own
    // time limit in the driver, which kills a hung executor and fails the run. The limit that remains
    // only stops an asynchronous test that waits forever, far beyond any slow pass.
    testTimeout: 900_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
