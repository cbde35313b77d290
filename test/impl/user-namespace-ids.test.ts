// The id maps (make_kuid, make_kgid, from_kuid, from_kgid), create_user_ns's mapping check and the time
// namespace ucount called directly, with ids the programs never pass but the kernel functions take
// (kernel/user_namespace.c, map_id_range_down / map_id_up; kernel/ucount.c): the initial
// namespace maps "0 0 4294967295", so every id but 4294967295 maps to itself; a child namespace here maps
// at most one id, 0 <-> its kuid or kgid, once its map is written.
import { describe, expect, it } from 'vitest';
import { Ida } from '../../impl/ida.ts';
import type { Kernel } from '../../impl/sched.ts';
import {
  createUserNs, decTimeUcount, fromKgid, fromKuid, incTimeUcount, initUserNs, makeKgid, makeKuid, type UserNamespace,
} from '../../impl/user_namespace.ts';

const INVALID = -1;

function child(parent: UserNamespace, map: { uid: number | null; gid: number | null }): UserNamespace {
  return { ...initUserNs(96365), inum: 4026531840, parent, level: parent.level + 1, owner: 1000, uidMap: map.uid, gidMap: map.gid };
}

describe('the initial user namespace', () => {
  const init = initUserNs(96365);
  it('maps every uid and gid to itself but 4294967295, which is (uid_t)-1: INVALID_UID, INVALID_GID', () => {
    expect(makeKuid(init, 1000)).toBe(1000);
    expect(makeKuid(init, 0xffffffff)).toBe(INVALID);
    expect(makeKgid(init, 1000)).toBe(1000);
    expect(makeKgid(init, 0xffffffff)).toBe(INVALID);
    expect(fromKgid(init, 1000)).toBe(1000);
  });
  it('allows setgroups (USERNS_INIT_FLAGS is USERNS_SETGROUPS_ALLOWED)', () => {
    expect(init.setgroupsDenied).toBe(false);
  });
});

describe('a child user namespace', () => {
  const init = initUserNs(96365);
  it('maps gid 0 alone, and only once gid_map is written', () => {
    const ns = child(init, { uid: 1000, gid: 1000 });
    expect(makeKgid(ns, 0)).toBe(1000);
    expect(makeKgid(ns, 5)).toBe(INVALID);
    expect(makeKgid(child(init, { uid: null, gid: null }), 0)).toBe(INVALID);
  });
  it('shows its mapped kuid and kgid as id 0 and any other as unmapped; an unwritten map maps nothing', () => {
    const ns = child(init, { uid: 1000, gid: 1000 });
    expect(fromKuid(ns, 1000)).toBe(0);
    expect(fromKuid(ns, 5)).toBe(INVALID);
    expect(fromKgid(ns, 1000)).toBe(0);
    expect(fromKgid(ns, 5)).toBe(INVALID);
    const unwritten = child(init, { uid: null, gid: null });
    expect(fromKuid(unwritten, 1000)).toBe(INVALID);
    expect(fromKgid(unwritten, 1000)).toBe(INVALID);
  });
});

describe('create_user_ns', () => {
  it('refuses a creator whose egid the parent does not map (kgid_has_mapping): EPERM, nothing made', () => {
    const k = { ida: new Ida(), userNamespaces: new Map() } as unknown as Kernel;
    const parent = child(initUserNs(96365), { uid: 1000, gid: 1000 });
    // euid 1000 is mapped in the parent (as uid 0); egid 5 is not.
    expect(createUserNs(k, parent, 1000, 5, false)).toBe('EPERM');
    expect(k.userNamespaces.size).toBe(0);
    expect(createUserNs(k, parent, 1000, 1000, false)).toMatchObject({ parent, level: 2, owner: 1000 });
  });
});

describe('the time namespace ucount', () => {
  it('a charge released leaves no entry behind (put_ucounts frees a count that reaches 0)', () => {
    const init = initUserNs(96365);
    const ns = child(init, { uid: 1000, gid: 1000 });
    expect(incTimeUcount(ns, 1000)).toBe(true);
    expect([...ns.timeCounts]).toEqual([[1000, 1]]);
    decTimeUcount(ns, 1000);
    expect([...ns.timeCounts]).toEqual([]);
    expect([...init.timeCounts]).toEqual([]);
  });
});
