// setresuid() and the id-map writes of `unshare -r` at their corners. Expected values come from the
// kernel sources: kernel/sys.c (__sys_setresuid), security/commoncap.c (cap_emulate_setxuid) and
// kernel/user_namespace.c (new_idmap_permitted). Scenarios a program can state run on impl and model
// side by side; an initial task with a non-root uid and capabilities (a direct Environment) is run on
// both by hand; credentials whose effective set is smaller than their permitted set, which no step can
// make here, go to sysSetresuid directly.
import { describe, expect, it } from 'vitest';
import { agreeing } from '../agree.ts';
import { createImpl } from '../../impl/index.ts';
import { CAP_FULL, capMask, type Cred } from '../../impl/cred.ts';
import type { Kernel, Task } from '../../impl/sched.ts';
import { sysSetresuid } from '../../impl/sys.ts';
import { initUserNs, type UserNamespace } from '../../impl/user_namespace.ts';
import { createModel } from '../../model/index.ts';
import { CAP_NAMES, type Environment, type Observation, type Step } from '../../vocab/index.ts';
import { startHost } from './helpers.ts';

const agree = (steps: Step[]): Observation[] => agreeing(steps, 'sys-corners');

/** An initial task of kuid 1000 holding every capability in the initial user namespace (as file or
 *  ambient capabilities give one): impl and model step by step, observations and states compared. */
const UID1000_WITH_CAPS: Environment = { caps: [...CAP_NAMES], uid: 1000, rtc: true, maxTimeNamespaces: 96365, tickNs: 4_000_000n };

function bothFrom(env: Environment, steps: Step[]): { obs: Observation[]; impl: ReturnType<typeof createImpl> } {
  const impl = createImpl(env);
  const model = createModel(env);
  const host = startHost();
  const obs = steps.map((s) => {
    const o = impl.step(s, host);
    expect(model.step(s, host), JSON.stringify(s)).toEqual(o);
    expect(model.abstract(), JSON.stringify(s)).toEqual(impl.abstract());
    return o;
  });
  return { obs, impl };
}

describe('setresuid', () => {
  it('setresuid(-1, -1, -1) changes nothing and succeeds, even where -1 maps to no kuid', () => {
    const b = createImpl({ ...UID1000_WITH_CAPS, uid: 0 });
    const host = startHost();
    const before = b.abstract().tasks.t0;
    expect(b.step({ task: 't0', call: 'setuid', uid: 0xffffffff }, host)).toEqual({ ret: 0 });
    expect(b.step({ task: 't0', call: 'setuid', uid: -1 }, host)).toEqual({ ret: 0 });
    expect(b.abstract().tasks.t0).toEqual(before);
    // Any other unmapped uid is EINVAL (make_kuid gives INVALID_UID).
    b.step({ task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] }, host);
    expect(b.step({ task: 't0', call: 'setuid', uid: 0 }, host)).toEqual({ err: 'EINVAL' });
    expect(b.step({ task: 't0', call: 'setuid', uid: 0xffffffff }, host)).toEqual({ ret: 0 });
  });

  it('a task that entered a user namespace as another kuid keeps its capabilities when it becomes that namespace\'s root', () => {
    const obs = agree([
      // t1, uid 1000, makes a namespace and maps 0 -> 1000.
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'setuid', uid: 1000 },
      { task: 't1', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 1 },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't1', call: 'map_root' },
      // t2 enters it as kuid 0 (not its root) with every capability there, then becomes uid 0 there:
      // kuid 1000, the root, so nothing is cleared (cap_emulate_setxuid clears only when leaving root).
      { task: 't0', call: 'fork', child: 't2' },
      { task: 't2', call: 'pidfd_open', target: 't1', fd: 'f1' },
      { task: 't2', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWUSER'] },
      { task: 't2', call: 'setuid', uid: 0 },
      // CAP_SYS_ADMIN in that namespace is still there.
      { task: 't2', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    ]);
    expect(obs[4]).toEqual({ ret: 0 });
    expect(obs[7]).toEqual({ ret: 0 });
    expect(obs[8]).toEqual({ ret: 0 });
    expect(obs[9]).toEqual({ ret: 0 });
  });

  it('a non-root uid holding CAP_SETUID keeps its capabilities when it moves to another non-root uid', () => {
    const { obs, impl } = bothFrom(UID1000_WITH_CAPS, [
      { task: 't0', call: 'setuid', uid: 2000 },
      { task: 't0', call: 'clock_settime', clock: 'CLOCK_REALTIME', sec: '1700000000', nsec: 0 },
    ]);
    expect(obs).toEqual([{ ret: 0 }, { ret: 0 }]);
    expect(impl.abstract().tasks.t0).toMatchObject({ euid: 2000, caps: [...CAP_NAMES].sort() });
  });

  it('a non-root uid moving to root loses nothing either', () => {
    const { obs, impl } = bothFrom(UID1000_WITH_CAPS, [{ task: 't0', call: 'setuid', uid: 0 }]);
    expect(obs).toEqual([{ ret: 0 }]);
    expect(impl.abstract().tasks.t0).toMatchObject({ euid: 0, caps: [...CAP_NAMES].sort() });
  });
});

describe('cap_emulate_setxuid with an effective set smaller than the permitted set', () => {
  // No step makes such credentials here (drop_caps shrinks both sets alike), but Linux has them
  // (capset may lower the effective set alone), and setresuid must then raise effective to permitted
  // exactly when euid becomes the namespace's root.
  const SETUID = capMask(['CAP_SETUID']);
  const k = {} as Kernel;

  function taskWith(userNs: UserNamespace, uid: number): Task {
    // count 2: the test keeps a reference, so committing new creds frees nothing.
    const cred: Cred = { uid, gid: 0, userNs, effective: SETUID, permitted: CAP_FULL, bounding: CAP_FULL, count: 2 };
    return { cred, mm: null } as unknown as Task;
  }

  it('becoming root raises effective to permitted', () => {
    const me = taskWith(initUserNs(96365), 1000);
    expect(sysSetresuid(k, me, 0)).toBeNull();
    expect(me.cred).toMatchObject({ uid: 0, effective: CAP_FULL, permitted: CAP_FULL });
  });

  it('moving between non-root uids leaves effective as it was', () => {
    const me = taskWith(initUserNs(96365), 1000);
    expect(sysSetresuid(k, me, 2000)).toBeNull();
    expect(me.cred).toMatchObject({ uid: 2000, effective: SETUID, permitted: CAP_FULL });
  });

  it('the root compared with is the namespace\'s own: uid 0 mapped to kuid 1', () => {
    const init = initUserNs(96365);
    const ns: UserNamespace = {
      ...initUserNs(96365), inum: 4026531840, parent: init, level: 1, owner: 1, uidMap: 1, gidMap: 0, count: 2,
    };
    // kuid 0 (entered by setns), becoming uid 0 there: kuid 1, the namespace's root.
    const me = taskWith(ns, 0);
    expect(sysSetresuid(k, me, 0)).toBeNull();
    expect(me.cred).toMatchObject({ uid: 1, effective: CAP_FULL, permitted: CAP_FULL });
  });
});

describe('map_root: new_idmap_permitted', () => {
  it('a task in the namespace that is not its owner may not map its own uid there: EPERM, and the owner then may', () => {
    const { obs } = bothFrom(UID1000_WITH_CAPS, [
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      // t2, kuid 2000 with every capability in the initial namespace, enters t1's namespace (owned by
      // kuid 1000) and writes "0 2000 1": not the owner, and no CAP_SETUID over the parent from inside.
      { task: 't0', call: 'fork', child: 't2' },
      { task: 't2', call: 'setuid', uid: 2000 },
      { task: 't2', call: 'pidfd_open', target: 't1', fd: 'f1' },
      { task: 't2', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWUSER'] },
      { task: 't2', call: 'prctl', option: 'PR_SET_DUMPABLE', arg: 1 },
      { task: 't2', call: 'map_root' },
      { task: 't1', call: 'map_root' },
    ]);
    expect(obs.slice(0, 7)).toEqual([
      { ret: 0, handle: 't1' }, { ret: 0 }, { ret: 0, handle: 't2' }, { ret: 0 }, { ret: 0, handle: 'f1' }, { ret: 0 }, { ret: 0 },
    ]);
    expect(obs[7]).toEqual({ err: 'EPERM' });
    expect(obs[8]).toEqual({ ret: 0 });
  });
});
