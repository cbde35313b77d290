// impl started where an unprivileged executor starts its programs (test/unprivileged-start.ts).
import { describe, expect, it } from 'vitest';
import { createImpl } from '../../impl/index.ts';
import { START_USER_NS, UNPRIVILEGED_ENV, UNPRIVILEGED_SCENARIO } from '../unprivileged-start.ts';
import { startHost } from './helpers.ts';

describe('an unprivileged start', () => {
  it('boots t0 in a mapped user namespace drawn first from the inode pool', () => {
    const b = createImpl(UNPRIVILEGED_ENV);
    const a = b.abstract();
    expect(a.tasks.t0).toMatchObject({ userNs: START_USER_NS, euid: 65534 });
    expect(a.userNamespaces[String(START_USER_NS)]).toEqual({
      parent: 4026531837, owner: 65534, mapped: true, maxTimeNamespaces: 2147483647, timeNamespaces: {},
    });
  });

  it('observes what the scenario says, step by step', () => {
    const b = createImpl(UNPRIVILEGED_ENV);
    const host = startHost();
    for (const [step, obs] of UNPRIVILEGED_SCENARIO) expect(b.step(step, host), JSON.stringify(step)).toEqual(obs);
    expect(b.abstract().userNamespaces['4026531837'].timeNamespaces).toEqual({ 65534: 1 });
  });

  it('keeps the starting namespace after every task is gone (its creator holds it)', () => {
    const b = createImpl(UNPRIVILEGED_ENV);
    b.step({ task: 't0', call: 'exit' }, startHost());
    expect(Object.keys(b.abstract().userNamespaces).sort()).toEqual(['4026531837', String(START_USER_NS)]);
  });
});
