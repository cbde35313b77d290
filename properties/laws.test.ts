// The laws of the model (properties/laws/, one per file), checked in one pass: every program of the
// shared corpus runs once on the model, with its invariants checked and its abstract states built once,
// and each law sees the steps of its share of the programs (properties/laws/law.ts runLawPass). Each law
// is its own test: it passes when it held on its share and its premise met its minimum; a broken law is
// found again and shrunk by fc.assert on its own.
import { readdirSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { registeredLaws, runLawPass } from './laws/law.ts';
import './laws/abs-sleep-never-early.ts';
import './laws/clock-view.ts';
import './laws/exec-enters-tfc.ts';
import './laws/fire-order.ts';
import './laws/freeze-at-entry.ts';
import './laws/inherit-from-tfc.ts';
import './laws/init-never-writable.ts';
import './laws/mm-shares-time.ts';
import './laws/offsets-freeze.ts';
import './laws/relative-timers-ns-free.ts';
import './laws/remaining-is-host-time.ts';
import './laws/setns-enters.ts';
import './laws/timers-stay-put.ts';
import './laws/ucount-guard.ts';
import './laws/unshare-never-moves.ts';

// Each body runs to its holds() now, and on when the pass answers. A failure is kept for its test to
// throw, not left an unhandled rejection between the pass and the test.
const outcomes = registeredLaws().map(({ title, body }) => ({ title, outcome: body().then(() => undefined, (e: unknown) => ({ failure: e })) }));

beforeAll(() => runLawPass());

for (const { title, outcome } of outcomes) {
  it(title, async () => {
    const o = await outcome;
    if (o !== undefined) throw o.failure;
  });
}

it('checks every law of properties/laws/: each file there (but the helpers) is imported above and registers one', () => {
  const helpers = ['law.ts', 'corpus.ts', 'timebase.ts'];
  const files = readdirSync('properties/laws').filter((f) => f.endsWith('.ts') && !helpers.includes(f));
  expect(registeredLaws()).toHaveLength(files.length);
});
