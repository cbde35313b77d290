// The procfs side of /proc/PID/timens_offsets called directly, with inputs the kernel functions take
// though no program here makes them: task_dump_owner()'s group for any gid and user namespace, the
// group test of capable_wrt_inode_uidgid() (privileged_wrt_inode_uidgid: kgid_has_mapping), and
// sscanf's isspace(), which in the kernel's ctype table (lib/ctype.c) counts byte 0xA0 as a space.
import { describe, expect, it } from 'vitest';
import { CAP_FULL, capMask, type Cred } from '../../impl/cred.ts';
import { parseTimensOffsets, procWritePermitted, taskDumpGroup } from '../../impl/proc_timens.ts';
import type { Task } from '../../impl/sched.ts';
import { initUserNs, type UserNamespace } from '../../impl/user_namespace.ts';

const init = initUserNs(96365);

/** A child of the initial namespace mapping uid 0 to kuid 1000 and gid 0 to `gidMap`. */
function child(gidMap: number | null): UserNamespace {
  return { ...initUserNs(96365), inum: 4026531840, parent: init, level: 1, owner: 1000, uidMap: 1000, gidMap, count: 2 };
}

function task(ids: { uid: number; gid: number; userNs: UserNamespace; caps?: number }, mm: { dumpable: boolean; userNs: UserNamespace }): Task {
  const caps = ids.caps ?? CAP_FULL;
  const cred: Cred = { uid: ids.uid, gid: ids.gid, userNs: ids.userNs, effective: caps, permitted: caps, bounding: CAP_FULL, count: 2 };
  return { cred, mm } as unknown as Task;
}

describe('task_dump_owner(): the group of /proc/PID files', () => {
  it('of a dumpable task is its egid', () => {
    expect(taskDumpGroup(task({ uid: 65534, gid: 65534, userNs: init }, { dumpable: true, userNs: init }))).toBe(65534);
  });
  it('of a task that is not dumpable is gid 0 of its mm\'s user namespace, as a kgid', () => {
    const ns = child(2000);
    expect(taskDumpGroup(task({ uid: 1000, gid: 2000, userNs: ns }, { dumpable: false, userNs: ns }))).toBe(2000);
  });
  it('of a task that is not dumpable, with gid 0 unmapped in its mm\'s namespace, is GLOBAL_ROOT_GID', () => {
    const ns = child(null);
    expect(taskDumpGroup(task({ uid: 1000, gid: 2000, userNs: ns }, { dumpable: false, userNs: ns }))).toBe(0);
  });
});

describe('generic_permission() on timens_offsets for another uid', () => {
  it('CAP_DAC_OVERRIDE counts only where the file\'s group is mapped too', () => {
    // The opener: kuid 5 with every capability in a namespace mapping kuid 1000 and kgid 2000.
    const ns = child(2000);
    const me = task({ uid: 5, gid: 2000, userNs: ns }, { dumpable: true, userNs: ns });
    const ownGroup = task({ uid: 1000, gid: 2000, userNs: ns }, { dumpable: true, userNs: ns });
    const otherGroup = task({ uid: 1000, gid: 3000, userNs: ns }, { dumpable: true, userNs: ns });
    expect(procWritePermitted(me, ownGroup)).toBe(true);
    expect(procWritePermitted(me, otherGroup)).toBe(false);
    const noCaps = task({ uid: 5, gid: 2000, userNs: ns, caps: capMask([]) }, { dumpable: true, userNs: ns });
    expect(procWritePermitted(noCaps, ownGroup)).toBe(false);
  });
});

describe('the parse of a write', () => {
  const bytes = (...parts: (string | number)[]) =>
    Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...Buffer.from(p, 'latin1')])));
  it('takes byte 0xA0 as a space between the fields, as isspace() does', () => {
    // A write without a newline is taken whole: count is the buffer's length.
    const one = bytes('monotonic', 0xa0, '5', 0xa0, '7');
    expect(parseTimensOffsets(one)).toEqual({ records: [{ clockid: 1, val: { sec: 5n, nsec: 7n } }], count: one.length });
    const two = bytes(0xa0, 'boottime -3 0');
    expect(parseTimensOffsets(two)).toEqual({ records: [{ clockid: 7, val: { sec: -3n, nsec: 0n } }], count: two.length });
  });
});
