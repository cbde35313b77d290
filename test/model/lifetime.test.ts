// When namespaces are freed (model/lifetime.ts): kernel/time/namespace.c clone_time_ns takes a reference
// on the owning user namespace that only free_time_ns puts; free_user_ns puts its parent, so a chain of
// user namespaces goes at once when its last task is reaped.
import { describe, expect, it } from 'vitest';
import { INIT_USER, run } from './run.ts';

describe('namespace lifetimes', () => {
  it('a time namespace held by an fd keeps its owning user namespace after every task in it is reaped', () => {
    const r = run([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER', 'CLONE_NEWTIME'] },
      { task: 't0', call: 'open', target: 't1', file: 'ns/time_for_children', mode: 'r', fd: 'f1' },
      { task: 't1', call: 'exit' },
      { task: 't0', call: 'wait', child: 't1' },
    ]);
    expect(r.obs[4]).toEqual({ ret: 1, status: 0 });
    const users = r.model.abstract().userNamespaces;
    expect(Object.keys(users).length).toBe(2);
    expect(r.do({ task: 't0', call: 'ioctl', fd: 'f1', request: 'NS_GET_USERNS', result: 'f2' })).toMatchObject({ ret: 0 });
  });

  it('reaping the last task of two nested user namespaces frees both in the same step', () => {
    const r = run([
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'map_root' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'exit' },
    ]);
    expect(r.obs.slice(1, 4)).toEqual([{ ret: 0 }, { ret: 0 }, { ret: 0 }]);
    expect(Object.keys(r.model.abstract().userNamespaces).length).toBe(3);
    expect(r.do({ task: 't0', call: 'wait', child: 't1' })).toEqual({ ret: 1, status: 0 });
    expect(Object.keys(r.model.abstract().userNamespaces)).toEqual([String(INIT_USER)]);
  });
});
