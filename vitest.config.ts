import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';

/**
 * The files that take longest in a full run, longest first (they start processes, compile C, render in
 * Chromium, shrink on the kernel, or run long properties). Each starts as soon as a worker is free and the
 * short files fill in after them, so that both workers end at about the same time. vitest's own order
 * would put the files that were slowest last time first, but CI starts from `npm ci`, which removes the
 * record of last time along with node_modules; without it vitest orders by file size, which left two of
 * the longest properties to the end of a run.
 */
const LONGEST = [
  'test/kernel/campaign.test.ts',
  'test/cli.test.ts',
  'test/kernel/export-c.test.ts',
  'test/report.test.ts',
  'test/shard.test.ts',
  'test/kernel/gate.test.ts',
  'test/kernel/unprivileged.test.ts',
  // Files of one project that follow one another share a worker's modules (IN_PROCESS below).
  'properties/refinement.test.ts',
  'properties/laws.test.ts',
  'properties/profiles.test.ts',
  'test/planted-breaks.test.ts',
  'test/unprivileged-refinement.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rest = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST.findIndex((l) => f.moduleId === `${f.project.config.root}/${l}`);
      return i === -1 ? LONGEST.length : i;
    };
    const group = (f: TestSpecification) => f.project.config.sequence.groupOrder;
    return rest
      .map((f, i) => ({ f, i }))
      .sort((a, b) => group(a.f) - group(b.f) || rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}

/** Tests that run in their worker's process only (no kernel, no child process, no state outside the
 *  objects they make), as the mutation runs take most of them (mutation/vitest.config.ts): they share one
 *  module graph per worker instead of each file starting a process and importing the model and impl
 *  again (about 0.6 s of CPU a file). */
const IN_PROCESS = [
  'test/model/**/*.test.ts',
  'test/impl/**/*.test.ts',
  'test/selftests/selftests.test.ts',
  'test/state-compare.test.ts',
  'test/observed.test.ts',
  'test/observed-table.test.ts',
  'test/program.test.ts',
  'test/trace.test.ts',
  'test/campaign-coverage.test.ts',
  'test/planted-*.test.ts',
  'test/unprivileged-refinement.test.ts',
  'test/readme-versions.test.ts',
  'test/law-corpus.test.ts',
  'test/kernel/judging.test.ts',
  'test/kernel/recorded.test.ts',
  'properties/refinement.test.ts',
  'properties/profiles.test.ts',
  'properties/laws.test.ts',
  'test/law-pass.test.ts',
];

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
    sequence: { sequencer: LongestFirst },
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
          exclude: [...configDefaults.exclude, 'test/booted/**', ...IN_PROCESS], sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: 'in-process', include: IN_PROCESS, isolate: false, sequence: { groupOrder: 0 } } },
      // One file per version (linux-<version>.test.ts): the guests boot and run side by side.
      { extends: true, test: { name: 'booted', include: ['test/booted/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
