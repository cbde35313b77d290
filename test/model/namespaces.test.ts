// Creating, entering and naming time namespaces: reference §2.2 sequences, §2.3 clone3 table,
// §3 setns, §4 fork/vfork/threads/exec table, §10 links and ioctls, §11 unprivileged use, §12 limits.
import { describe, expect, it } from 'vitest';
import type { Step } from '../../vocab/index.ts';
import { HOST_ROOT_CAPS, INIT_TIME, INIT_USER, environment, inum, run } from './run.ts';

const link = (task: string, target: string, which: 'time' | 'time_for_children'): Step =>
  ({ task, call: 'readlink', target, link: which });
const unshareTime: Step = { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] };
const openOffsets = (task: string, target: string, fd: string): Step =>
  ({ task, call: 'open', target, file: 'timens_offsets', mode: 'rw', fd });

describe('§2.2 unshare(CLONE_NEWTIME)', () => {
  it('moves only time_for_children; a second unshare copies the pending offsets and drops the first', () => {
    const r = run([unshareTime, openOffsets('t0', 't0', 'f1'), { task: 't0', call: 'write', fd: 'f1', text: 'monotonic 100 0\nboottime 200 0' }]);
    const y = inum(r.do(link('t0', 't0', 'time_for_children')));
    expect(inum(r.do(link('t0', 't0', 'time')))).toBe(INIT_TIME);
    r.do(unshareTime);
    const z = inum(r.do(link('t0', 't0', 'time_for_children')));
    expect(z).not.toBe(y);
    expect(r.model.abstract().timeNamespaces[String(z)]).toMatchObject({ monotonic: '100000000000', boottime: '200000000000', frozen: false });
    expect(r.model.abstract().timeNamespaces[String(y)]).toBeUndefined();
  });
  it('inside Y (time = tfc = Y), unshare gives a new Z with Y\'s offsets', () => {
    const r = run([unshareTime, openOffsets('t0', 't0', 'f1'), { task: 't0', call: 'write', fd: 'f1', text: 'boottime 50 0' },
      { task: 't0', call: 'fork', child: 't1' }, { task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] }]);
    const y = inum(r.do(link('t1', 't1', 'time')));
    const z = inum(r.do(link('t1', 't1', 'time_for_children')));
    expect(z).not.toBe(y);
    expect(r.model.abstract().timeNamespaces[String(z)]).toMatchObject({ boottime: '50000000000', frozen: false });
  });
  it('in a 2-thread process only the calling thread moves', () => {
    const r = run([{ task: 't0', call: 'thread', child: 't1' }, { task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] }]);
    expect(r.obs.at(-1)).toEqual({ ret: 0 });
    expect(inum(r.do(link('t1', 't1', 'time')))).toBe(INIT_TIME);
    expect(inum(r.do(link('t1', 't1', 'time_for_children')))).not.toBe(INIT_TIME);
    expect(inum(r.do(link('t0', 't0', 'time_for_children')))).toBe(INIT_TIME);
    // CLONE_NEWUSER implies CLONE_THREAD: refused while another thread exists.
    expect(r.do({ task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] })).toEqual({ err: 'EINVAL' });
    expect(r.do({ task: 't0', call: 'unshare', flags: ['CLONE_VFORK'] })).toEqual({ err: 'EINVAL' });
  });
});

describe('§2.3 clone3(CLONE_NEWTIME)', () => {
  it('without CLONE_VM: the child is in N, frozen at birth with the parent\'s tfc offsets', () => {
    const r = run([unshareTime, openOffsets('t0', 't0', 'f1'), { task: 't0', call: 'write', fd: 'f1', text: 'monotonic 7 0' },
      { task: 't0', call: 'clone3', child: 't1', flags: ['CLONE_NEWTIME'] }, openOffsets('t0', 't1', 'f2')]);
    const n = inum(r.do(link('t0', 't1', 'time')));
    expect(inum(r.do(link('t0', 't1', 'time_for_children')))).toBe(n);
    expect(r.model.abstract().timeNamespaces[String(n)]).toMatchObject({ monotonic: '7000000000', frozen: true });
    expect(r.do({ task: 't0', call: 'write', fd: 'f2', text: 'monotonic 1 0' })).toEqual({ err: 'EACCES' });
    // The parent's own pending tfc stays writable.
    expect(r.do({ task: 't0', call: 'write', fd: 'f1', text: 'monotonic 1 0' })).toEqual({ ret: 13 });
  });
  it('with CLONE_VM: the child keeps the parent\'s time, N is pending and not frozen', () => {
    const r = run([{ task: 't0', call: 'clone3', child: 't1', flags: ['CLONE_NEWTIME', 'CLONE_VM', 'CLONE_VFORK'] }]);
    expect(inum(r.do(link('t1', 't1', 'time')))).toBe(INIT_TIME);
    const n = inum(r.do(link('t1', 't1', 'time_for_children')));
    expect(r.model.abstract().timeNamespaces[String(n)].frozen).toBe(false);
    expect(r.do({ task: 't0', call: 'read_uptime' })).toEqual({ blocked: true });
    r.do({ task: 't1', call: 'exec' });
    expect(inum(r.do(link('t1', 't1', 'time')))).toBe(n);
    expect(r.model.abstract().timeNamespaces[String(n)].frozen).toBe(true);
    expect(r.do({ task: 't0', call: 'read_btime' }).ret).toBe(0);
  });
  it('unprivileged: EPERM, but with CLONE_NEWUSER the child owns its namespace', () => {
    const r = run([{ task: 't0', call: 'setuid', uid: 1000 }, { task: 't0', call: 'clone3', child: 't1', flags: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'clone3', child: 't2', flags: ['CLONE_NEWUSER', 'CLONE_NEWTIME'] }]);
    expect(r.obs[1]).toEqual({ err: 'EPERM' });
    expect(r.obs[2]).toEqual({ ret: 0, handle: 't2' });
    expect(r.model.abstract().tasks.t2.userNs).not.toBe(INIT_USER);
  });
  it('CLONE_THREAD with CLONE_NEWUSER is EINVAL (CLONE_THREAD brings CLONE_FS)', () => {
    expect(run([{ task: 't0', call: 'clone3', child: 't1', flags: ['CLONE_THREAD', 'CLONE_VM', 'CLONE_NEWUSER'] }]).obs[0]).toEqual({ err: 'EINVAL' });
  });
});

describe('§4 fork, vfork, threads, exec', () => {
  const pending: Step[] = [unshareTime];
  it('fork while time != tfc: the child enters and freezes; the parent stays', () => {
    const r = run([...pending, { task: 't0', call: 'fork', child: 't1' }]);
    const y = inum(r.do(link('t0', 't0', 'time_for_children')));
    expect(inum(r.do(link('t0', 't1', 'time')))).toBe(y);
    expect(inum(r.do(link('t0', 't0', 'time')))).toBe(INIT_TIME);
    expect(r.model.abstract().timeNamespaces[String(y)].frozen).toBe(true);
  });
  it('vfork and threads inherit both pointers; exec switches, failed exec does not', () => {
    const r = run([...pending, { task: 't0', call: 'vfork', child: 't1' }, { task: 't1', call: 'thread', child: 't2' }]);
    const y = inum(r.do(link('t1', 't1', 'time_for_children')));
    expect(inum(r.do(link('t1', 't1', 'time')))).toBe(INIT_TIME);
    expect(inum(r.do(link('t2', 't2', 'time')))).toBe(INIT_TIME);
    expect(r.model.abstract().timeNamespaces[String(y)].frozen).toBe(false);
    expect(r.do({ task: 't1', call: 'exec', fail: true })).toEqual({ err: 'ENOENT' });
    expect(inum(r.do(link('t1', 't1', 'time')))).toBe(INIT_TIME);
    expect(r.do({ task: 't1', call: 'exec' })).toEqual({ ret: 0 });
    expect(inum(r.do(link('t1', 't1', 'time')))).toBe(y);
    expect(r.do({ task: 't2', call: 'sysinfo' })).toEqual({ err: 'ESRCH' }); // killed by the exec
    expect(r.model.abstract().tasks.t0.state).toBe('running'); // vfork parent released
  });
  it('exec of a non-leader thread takes over the leader\'s pid', () => {
    const r = run([{ task: 't0', call: 'fork', child: 't1' }, { task: 't1', call: 'thread', child: 't2' }, { task: 't2', call: 'exec' }]);
    expect(r.model.abstract().tasks.t1).toBeUndefined();
    expect(r.model.abstract().tasks.t2.leader).toBe('t2');
    expect(r.do({ task: 't0', call: 'wait', child: 't1' })).toEqual({ ret: 0 });
    r.do({ task: 't2', call: 'exit' });
    expect(r.do({ task: 't0', call: 'wait', child: 't1' })).toEqual({ ret: 1, status: 0 });
  });
});

describe('§3 setns', () => {
  it('after unshare, setns to one\'s own time link gives time = tfc = R', () => {
    const r = run([unshareTime, { task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f1' },
      { task: 't0', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWTIME'] }]);
    expect(r.obs.at(-1)).toEqual({ ret: 0 });
    expect(inum(r.do(link('t0', 't0', 'time_for_children')))).toBe(INIT_TIME);
  });
  it('EUSERS while not single-threaded, even for the namespace the caller is in; a vfork child counts', () => {
    const r = run([{ task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f1' }, { task: 't0', call: 'thread', child: 't1' }]);
    expect(r.do({ task: 't0', call: 'setns', fd: 'f1', nstype: [] })).toEqual({ err: 'EUSERS' });
    const v = run([{ task: 't0', call: 'vfork', child: 't1' }, { task: 't1', call: 'open', target: 't1', file: 'ns/time', mode: 'r', fd: 'f1' }]);
    expect(v.do({ task: 't1', call: 'setns', fd: 'f1', nstype: [] })).toEqual({ err: 'EUSERS' });
  });
  it('EINVAL for a mismatched nstype, a non-ns fd, or a pidfd with mask 0; EBADF for no fd', () => {
    const r = run([{ task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f1' },
      { task: 't0', call: 'pidfd_open', target: 't0', fd: 'f2' }, openOffsets('t0', 't0', 'f3')]);
    expect(r.do({ task: 't0', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWUSER'] })).toEqual({ err: 'EINVAL' });
    expect(r.do({ task: 't0', call: 'setns', fd: 'f3', nstype: [] })).toEqual({ err: 'EINVAL' });
    expect(r.do({ task: 't0', call: 'setns', fd: 'f2', nstype: [] })).toEqual({ err: 'EINVAL' });
    expect(r.do({ task: 't0', call: 'setns', fd: 'f9', nstype: [] })).toEqual({ err: 'EBADF' });
  });
  it('a pidfd joins the target\'s active time namespace, never its tfc', () => {
    const r = run([{ task: 't0', call: 'fork', child: 't1' }, { task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      unshareTime, { task: 't0', call: 'pidfd_open', target: 't1', fd: 'f1' }, { task: 't0', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWTIME'] }]);
    expect(r.obs.at(-1)).toEqual({ ret: 0 });
    expect(inum(r.do(link('t0', 't0', 'time')))).toBe(INIT_TIME);
    expect(inum(r.do(link('t0', 't0', 'time_for_children')))).toBe(INIT_TIME);
  });
});

describe('§10 links, inode numbers and ioctls', () => {
  it('both links read time:[INUM]; a freed number is reused at once', () => {
    const r = run([link('t0', 't0', 'time_for_children'), unshareTime, link('t0', 't0', 'time_for_children')]);
    expect(r.obs[0]).toEqual({ ret: 17, link: 'time:[4026531834]' });
    expect(inum(r.obs[2])).toBe(4026531840);
    r.do({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] });
    expect(inum(r.do(link('t0', 't0', 'time_for_children')))).toBe(4026531841);
    r.do({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] });
    expect(inum(r.do(link('t0', 't0', 'time_for_children')))).toBe(4026531840);
  });
  it('NS_GET_NSTYPE 128, NS_GET_PARENT and NS_GET_OWNER_UID EINVAL, NS_GET_USERNS an fd of the owner', () => {
    const r = run([{ task: 't0', call: 'open', target: 't0', file: 'ns/time_for_children', mode: 'r', fd: 'f1' }]);
    expect(r.do({ task: 't0', call: 'ioctl', fd: 'f1', request: 'NS_GET_NSTYPE' })).toEqual({ ret: 128 });
    expect(r.do({ task: 't0', call: 'ioctl', fd: 'f1', request: 'NS_GET_PARENT', result: 'f2' })).toEqual({ err: 'EINVAL' });
    expect(r.do({ task: 't0', call: 'ioctl', fd: 'f1', request: 'NS_GET_OWNER_UID' })).toEqual({ err: 'EINVAL' });
    expect(r.do({ task: 't0', call: 'ioctl', fd: 'f1', request: 'NS_GET_USERNS', result: 'f3' })).toEqual({ ret: 0, handle: 'f3' });
    expect(r.model.abstract().processes.t0.fds.f3).toEqual({ kind: 'nsfs', ns: INIT_USER });
  });
  it('NS_GET_USERNS is EPERM when the owner lies outside the caller\'s user namespace', () => {
    const r = run([{ task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] },
      { task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f1' }]);
    expect(r.do({ task: 't0', call: 'ioctl', fd: 'f1', request: 'NS_GET_USERNS', result: 'f2' })).toEqual({ err: 'EPERM' });
  });
});

describe('§11 unprivileged use', () => {
  // An ordinary user: setuid makes the mm non-dumpable, the exec makes it dumpable again.
  const nobody: Step[] = [{ task: 't0', call: 'setuid', uid: 1000 }, { task: 't0', call: 'exec' }];
  it('without a user namespace: EPERM for unshare and setns', () => {
    const r = run([{ task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f1' }, ...nobody, unshareTime]);
    expect(r.obs.at(-1)).toEqual({ err: 'EPERM' });
    expect(r.do({ task: 't0', call: 'setns', fd: 'f1', nstype: [] })).toEqual({ err: 'EPERM' });
  });
  it('unshare(CLONE_NEWUSER|CLONE_NEWTIME) in one call; write offsets; enter by fork', () => {
    const r = run([...nobody, { task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER', 'CLONE_NEWTIME'] }, openOffsets('t0', 't0', 'f1'),
      { task: 't0', call: 'write', fd: 'f1', text: 'boottime 864000 0' }, { task: 't0', call: 'fork', child: 't1' }]);
    expect(r.obs.slice(2)).toEqual([{ ret: 0 }, { ret: 0, handle: 'f1' }, { ret: 17 }, { ret: 0, handle: 't1' }]);
    expect(r.do({ task: 't1', call: 'sysinfo' }).value).toBe('865052');
  });
  it('§5.6: an fd opened by nobody before unshare(CLONE_NEWUSER|CLONE_NEWTIME) works afterwards', () => {
    const r = run([...nobody, openOffsets('t0', 't0', 'f1'), { task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER', 'CLONE_NEWTIME'] },
      { task: 't0', call: 'write', fd: 'f1', text: 'monotonic 5 0' }]);
    expect(r.obs.at(-1)).toEqual({ ret: 13 });
  });
  it('root of a child user namespace cannot enter a root-owned namespace nor set the clock', () => {
    const r = run([{ task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f1' },
      { task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] }, { task: 't0', call: 'map_root' }]);
    expect(r.obs.at(-1)).toEqual({ ret: 0 });
    expect(r.do({ task: 't0', call: 'setns', fd: 'f1', nstype: [] })).toEqual({ err: 'EPERM' });
    expect(r.do({ task: 't0', call: 'clock_settime', clock: 'CLOCK_REALTIME', sec: '1800000000', nsec: 0 })).toEqual({ err: 'EPERM' });
    expect(r.do({ task: 't0', call: 'clock_settime', clock: 'CLOCK_MONOTONIC', sec: '1', nsec: 0 })).toEqual({ err: 'EINVAL' });
  });
});

describe('§12 max_time_namespaces', () => {
  it('the count must be below the limit at every level; a nested INT_MAX does not lift an ancestor\'s limit', () => {
    const env = environment({ maxTimeNamespaces: 1 });
    // The pending namespace is still charged while its replacement is created.
    const r = run([unshareTime, { task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] }], env);
    expect(r.obs[1]).toEqual({ err: 'ENOSPC' });
    const unpriv = run([{ task: 't0', call: 'setuid', uid: 1000 }, unshareTime], environment({ maxTimeNamespaces: 0 }));
    expect(unpriv.obs[1]).toEqual({ err: 'EPERM' }); // EPERM comes before ENOSPC
    const n = run([unshareTime, { task: 't0', call: 'fork', child: 't1' }, { task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER', 'CLONE_NEWTIME'] }], env);
    expect(n.obs.at(-1)).toEqual({ err: 'ENOSPC' });
    expect(n.do({ task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] })).toEqual({ ret: 0 });
    expect(n.do({ task: 't0', call: 'sysctl_read' })).toEqual({ ret: 0, value: '2147483647' });
    expect(n.do({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] })).toEqual({ err: 'ENOSPC' });
  });
  it('writing needs CAP_SYS_RESOURCE (EACCES); -1 is EINVAL', () => {
    const r = run([{ task: 't0', call: 'sysctl_write', value: 5 }], environment({ caps: HOST_ROOT_CAPS }));
    expect(r.obs[0]).toEqual({ err: 'EACCES' });
    expect(r.do({ task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] })).toEqual({ ret: 0 });
    expect(r.do({ task: 't0', call: 'sysctl_write', value: -1 })).toEqual({ err: 'EINVAL' });
    expect(r.do({ task: 't0', call: 'sysctl_write', value: 0 })).toEqual({ ret: 0 });
    expect(r.do({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] })).toEqual({ err: 'ENOSPC' });
  });
});
