// The model started where an unprivileged executor starts its programs (test/unprivileged-start.ts).
import { describe, expect, it } from 'vitest';
import { START_USER_NS, UNPRIVILEGED_ENV, UNPRIVILEGED_SCENARIO } from '../unprivileged-start.ts';
import { environment, run } from './run.ts';

describe('an unprivileged start', () => {
  it('begins in a mapped user namespace below the initial one, the first of the pool', () => {
    const r = run([], UNPRIVILEGED_ENV);
    const a = r.model.abstract();
    expect(a.tasks.t0).toMatchObject({ userNs: START_USER_NS, euid: 65534, timeNs: 4026531834 });
    expect(a.userNamespaces[String(START_USER_NS)]).toEqual({
      parent: 4026531837, owner: 65534, mapped: true, maxTimeNamespaces: 2147483647, timeNamespaces: {},
    });
    expect(a.userNamespaces['4026531837'].maxTimeNamespaces).toBe(96365);
  });

  it('observes what the scenario says, step by step', () => {
    const r = run([], UNPRIVILEGED_ENV);
    for (const [step, obs] of UNPRIVILEGED_SCENARIO) expect(r.do(step), JSON.stringify(step)).toEqual(obs);
    const a = r.model.abstract();
    // The new time namespace is charged to the creator at its own level and, as the namespace's
    // owner, in the initial one.
    expect(a.userNamespaces[String(START_USER_NS)].timeNamespaces).toEqual({ 65534: 1 });
    expect(a.userNamespaces['4026531837'].timeNamespaces).toEqual({ 65534: 1 });
    expect(a.tasks.t1).toMatchObject({ userNs: 4026531842, euid: 65534 });
  });

  it('keeps the starting namespace after every task is gone (its creator holds it)', () => {
    const r = run([{ task: 't0', call: 'exit' }], UNPRIVILEGED_ENV);
    expect(Object.keys(r.model.abstract().userNamespaces)).toEqual(['4026531837', String(START_USER_NS)]);
  });

  it('without the field starts exactly as before', () => {
    const a = run([], environment()).model.abstract();
    expect(Object.keys(a.userNamespaces)).toEqual(['4026531837']);
    expect(a.tasks.t0).toMatchObject({ userNs: 4026531837, euid: 0 });
  });

  it('the starting namespace\'s maps cannot be written again, whatever its creator held', () => {
    const r = run([], { ...UNPRIVILEGED_ENV, userNamespace: { gid: 65534, parentCouldSetfcap: true } });
    expect(r.do({ task: 't0', call: 'map_root' })).toEqual({ err: 'EPERM' });
  });
});
