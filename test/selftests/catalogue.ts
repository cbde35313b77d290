// The kernel's timens selftests (tools/testing/selftests/timens/) as named scenarios in the program format:
// each one a program and what the selftest asserts about its steps, run on every side by selftests.test.ts.
import { NAMESPACE_SCENARIOS } from './namespaces.ts';
import { TIMER_SCENARIOS } from './timers.ts';
import type { Scenario } from './script.ts';

export type { Check, Expectation, Scenario } from './script.ts';

export const catalogue: Scenario[] = [...NAMESPACE_SCENARIOS, ...TIMER_SCENARIOS];
