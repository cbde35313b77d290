// Every selftest scenario on the model and on the implementation, each expectation checked at its step.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../harness/canonical.ts';
import { checkProgram } from '../../harness/program.ts';
import { runProgram } from '../../harness/run.ts';
import { createImpl } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import { isHostEvent } from '../../vocab/index.ts';
import type { BackendFactory, ClockName, HostClocks, Observation } from '../../vocab/index.ts';
import { absoluteIgnoresNamespace, execStaysInOldNamespace, vdsoIgnoresMonotonicOffset } from '../planted-breaks.ts';
import { catalogue, type Scenario } from './catalogue.ts';
import { hostOf } from './script.ts';

const SIDES: [string, BackendFactory][] = [['model', createModel], ['impl', createImpl]];

/** Run a scenario on one side; return every expectation that does not hold, with what was seen. */
function unmet(scenario: Scenario, factory: BackendFactory): string[] {
  const seen: { obs: Observation; host: HostClocks }[] = [];
  runProgram(scenario.program, factory, (entry, _side, host) => seen.push({ obs: entry.obs, host }));
  // A side that does not know a call yet may answer nothing; that is an unmet expectation, not a crash.
  const holds = (e: Scenario['expect'][number]) => {
    try {
      return e.holds(seen[e.step].obs ?? {}, seen[e.step].host);
    } catch {
      return false;
    }
  };
  return scenario.expect
    .filter((e) => !holds(e))
    .map((e) => `step ${e.step} ${canonicalJson(scenario.program.steps[e.step])}: expected it ${e.says}; ` +
      `observed ${canonicalJson(seen[e.step].obs)} at host ${canonicalJson(seen[e.step].host)}`);
}

describe('the catalogue', () => {
  it('has unique names, well-formed programs, and expectations on steps that exist', () => {
    expect(new Set(catalogue.map((s) => s.name)).size).toBe(catalogue.length);
    for (const s of catalogue) {
      expect(() => checkProgram(JSON.parse(JSON.stringify(s.program))), s.name).not.toThrow();
      expect(s.expect.length, s.name).toBeGreaterThan(0);
      for (const e of s.expect) expect(e.step, s.name).toBeLessThan(s.program.steps.length);
    }
  });
  it('draws on every selftest of tools/testing/selftests/timens', () => {
    const files = ['timens.c', 'timerfd.c', 'timer.c', 'clock_nanosleep.c', 'procfs.c', 'exec.c', 'vfork_exec.c', 'futex.c', 'gettime_perf.c'];
    const cited = new Set(catalogue.flatMap((s) => s.source.match(/[a-z_]+\.c/g) ?? []));
    expect(files.filter((f) => !cited.has(f))).toEqual([]);
  });
});

for (const scenario of catalogue) {
  describe(scenario.name, () => {
    for (const [side, factory] of SIDES) {
      it(side, () => expect(unmet(scenario, factory)).toEqual([]));
    }
  });
}

// ---- The scenarios can fail ----------------------------------------------------------------------
// Each planted break is a bug the selftests exist to find; the scenarios named must each notice it.

/** Clock reads and procfs values ignore the reader's namespace: every one shows the host. */
const readsIgnoreNamespace = (factory: BackendFactory): BackendFactory => (env) => {
  const inner = factory(env);
  return {
    abstract: () => inner.abstract(),
    step(step, host) {
      const obs = inner.step(step, host);
      if (isHostEvent(step) || obs?.ret === undefined) return obs;
      if (step.call === 'clock_gettime' && typeof step.clock === 'string' && step.clock !== 'CLOCK_REALTIME')
        return { ...obs, time: String(hostOf(step.clock as ClockName, host)) };
      if (step.call === 'read_btime') return { ...obs, value: String(host.bootRealtime / 1_000_000_000n) };
      if (step.call === 'read_uptime') {
        const up = host.boottime;
        const text = `${up / 1_000_000_000n}.${String((up % 1_000_000_000n) / 10_000_000n).padStart(2, '0')} 0.00\n`;
        return { ...obs, ret: text.length, text };
      }
      return obs;
    },
  };
};

const shiftedRead = (s: Scenario) => s.expect.some((e) => /value \+|boottime \+|boot time -/.test(e.says));

const PLANTED: [string, BackendFactory, (s: Scenario) => boolean][] = [
  ['clock and procfs reads ignore the namespace', readsIgnoreNamespace(createModel), shiftedRead],
  ['the vDSO forgets the MONOTONIC offset', vdsoIgnoresMonotonicOffset(createImpl),
    (s) => /^timens: CLOCK_MONOTONIC \(vDSO\)|^exec: a child forked|^exec: after execve|^gettime_perf: vDSO CLOCK_MONOTONIC in a namespace/.test(s.name)],
  ['exec leaves the task in its old namespace', execStaysInOldNamespace(createImpl),
    (s) => /^vfork_exec: a vfork child/.test(s.name)],
  ['absolute timers and sleeps are not converted to host time', absoluteIgnoresNamespace(createImpl),
    // Not the interrupted absolute sleeps: an unconverted target lies 7 or 9 days further on, so the sleep
    // is still asleep at the signal and ends with EINTR either way (clock_nanosleep.c cannot tell either);
    // the 20 ms absolute sleep does tell.
    (s) => /absolute (CLOCK_MONOTONIC|CLOCK_BOOTTIME)|absolute CLOCK_MONOTONIC timeout/.test(s.name) && !/EINTR/.test(s.name)],
];

describe('planted breaks', () => {
  for (const [what, factory, catches] of PLANTED) {
    it(`are caught: ${what}`, () => {
      const named = catalogue.filter(catches);
      expect(named.length).toBeGreaterThan(0);
      const missed = named.filter((s) => unmet(s, factory).length === 0).map((s) => s.name);
      expect(missed).toEqual([]);
    });
  }
});
