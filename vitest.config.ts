import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // No test is judged by how long it takes. The generated-program properties are synchronous and
    // CPU-bound: a timeout cannot stop them, it only turns a slow pass on a loaded machine into a
    // failure (the refinement property took 278 s beside two busy loops). Every kernel run has its own
    // time limit in the driver, which kills a hung executor and fails the run. The limit that remains
    // only stops an asynchronous test that waits forever, far beyond any slow pass.
    testTimeout: 900_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One test file per CPU at a time. (vitest's default leaves one CPU to itself, which on two CPUs
    // runs every file one after another; the main process does next to nothing meanwhile.)
    maxWorkers: availableParallelism(),
    // The laws of a run share the programs they check instead of each generating them again.
    globalSetup: ['test/law-corpus.ts'],
    // Checks on kernels booted under QEMU run after all the others: an emulated CPU keeps a host CPU
    // busy, and the checks that time this machine's kernel (a sleeper woken late by a busy CPU is
    // judged late) must not run beside it.
    projects: [
      {
        extends: true,
        test: {
          name: 'harness', include: ['test/**/*.test.ts', 'properties/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/booted/**'], sequence: { groupOrder: 0 },
        },
      },
      // One file per version (linux-<version>.test.ts): the guests boot and run side by side.
      { extends: true, test: { name: 'booted', include: ['test/booted/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
