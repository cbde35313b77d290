// Every selftest scenario on the model and on the implementation, each expectation checked at its step.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../harness/canonical.ts';
import { checkProgram } from '../../harness/program.ts';
import { runProgram } from '../../harness/run.ts';
import { createImpl } from '../../impl/index.ts';
import { createModel } from '../../model/index.ts';
import type { BackendFactory, HostClocks, Observation } from '../../vocab/index.ts';
import { catalogue, type Scenario } from './catalogue.ts';

const SIDES: [string, BackendFactory][] = [['model', createModel], ['impl', createImpl]];

/** Run a scenario on one side; return every expectation that does not hold, with what was seen. */
export function unmet(scenario: Scenario, factory: BackendFactory): string[] {
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
});

for (const scenario of catalogue) {
  describe(scenario.name, () => {
    for (const [side, factory] of SIDES) {
      it(side, () => expect(unmet(scenario, factory)).toEqual([]));
    }
  });
}
