// clone3(CLONE_NEWTIME) (reference §2.3) and the fork/vfork/thread/exec rules of §4.
import { describe, expect, it } from 'vitest';
import { Run, SEC } from './helpers.ts';

function withPendingOffsets(): Run {
  const r = new Run();
  r.ok({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
    { task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'rw', fd: 'f1' },
    { task: 't0', call: 'write', fd: 'f1', text: 'monotonic 100 0\nboottime 200 0' });
  return r;
}

describe('clone3 table (§2.3)', () => {
  it('CLONE_NEWTIME without CLONE_VM: time = tfc = N, frozen at birth with the parent tfc offsets', () => {
    const r = withPendingOffsets();
    const y = r.task('t0').timeNsForChildren;
    r.ok({ task: 't0', call: 'clone3', child: 't1', flags: ['CLONE_NEWTIME'] });
    const c = r.task('t1');
    expect(c.timeNs).toBe(c.timeNsForChildren);
    expect(c.timeNs).not.toBe(y);
    const n = r.ns(c.timeNs);
    expect(n).toMatchObject({ monotonic: String(100n * SEC), boottime: String(200n * SEC), frozen: true });
    // The parent is unaffected; its own pending tfc stays writable.
    expect(r.task('t0')).toMatchObject({ timeNs: 4026531834, timeNsForChildren: y });
    expect(r.ns(y).frozen).toBe(false);
    r.ok({ task: 't1', call: 'open', target: 't1', file: 'timens_offsets', mode: 'w', fd: 'f2' });
    expect(r.step({ task: 't1', call: 'write', fd: 'f2', text: 'monotonic 1 0' })).toEqual({ err: 'EACCES' });
  });

  for (const flags of [['CLONE_NEWTIME', 'CLONE_VM'], ['CLONE_NEWTIME', 'CLONE_VM', 'CLONE_VFORK'], ['CLONE_NEWTIME', 'CLONE_VM', 'CLONE_THREAD']] as const) {
    it(`${flags.join('|')}: time = parent's time, tfc = N, not frozen`, () => {
      const r = withPendingOffsets();
      r.ok({ task: 't0', call: 'clone3', child: 't1', flags: [...flags] });
      const c = r.task('t1');
      expect(c.timeNs).toBe(4026531834);
      expect(c.timeNsForChildren).not.toBe(r.task('t0').timeNsForChildren);
      expect(r.ns(c.timeNsForChildren)).toMatchObject({ monotonic: String(100n * SEC), frozen: false });
    });
  }

  it('CLONE_NEWTIME needs CAP_SYS_ADMIN in the child user ns: EPERM, unless CLONE_NEWUSER gives it (§11)', () => {
    const r = new Run({ caps: [] });
    expect(r.step({ task: 't0', call: 'clone3', child: 't1', flags: ['CLONE_NEWTIME'] })).toEqual({ err: 'EPERM' });
    expect(r.step({ task: 't0', call: 'clone3', child: 't1', flags: ['CLONE_NEWTIME', 'CLONE_NEWUSER'] })).toEqual({ ret: 0, handle: 't1' });
    expect(r.ns(r.task('t1').timeNs).frozen).toBe(true);
  });

  it('CLONE_THREAD without CLONE_VM is EINVAL (it implies SIGHAND, and SIGHAND needs VM)', () => {
    const r = new Run();
    expect(r.step({ task: 't0', call: 'clone3', child: 't1', flags: ['CLONE_NEWTIME', 'CLONE_THREAD'] })).toEqual({ err: 'EINVAL' });
  });

  it('CLONE_THREAD with CLONE_NEWUSER is EINVAL (THREAD implies FS)', () => {
    const r = new Run();
    expect(r.step({ task: 't0', call: 'clone3', child: 't1', flags: ['CLONE_THREAD', 'CLONE_NEWUSER'] })).toEqual({ err: 'EINVAL' });
  });
});

describe('§4: fork, vfork, threads and exec while time != tfc', () => {
  it('fork enters the tfc and freezes it; the parent stays', () => {
    const r = withPendingOffsets();
    const y = r.task('t0').timeNsForChildren;
    r.ok({ task: 't0', call: 'fork', child: 't1' });
    expect(r.task('t1')).toMatchObject({ timeNs: y, timeNsForChildren: y });
    expect(r.task('t0')).toMatchObject({ timeNs: 4026531834, timeNsForChildren: y });
    expect(r.ns(y).frozen).toBe(true);
  });
  it('vfork child keeps both pointers until exec, then time = tfc = Y', () => {
    const r = withPendingOffsets();
    const y = r.task('t0').timeNsForChildren;
    r.ok({ task: 't0', call: 'vfork', child: 't1' });
    expect(r.task('t1')).toMatchObject({ timeNs: 4026531834, timeNsForChildren: y, vm: 't0' });
    expect(r.step({ task: 't0', call: 'sysinfo' })).toEqual({ blocked: true });
    r.ok({ task: 't1', call: 'exec' });
    expect(r.task('t1')).toMatchObject({ timeNs: y, timeNsForChildren: y, vm: 't1' });
    expect(r.task('t0').state).toBe('running');
  });
  it('setns is EUSERS while the mm is shared with a vfork child (§3.2)', () => {
    const r = withPendingOffsets();
    r.ok({ task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f2' },
      { task: 't0', call: 'clone3', child: 't1', flags: ['CLONE_VM'] });
    expect(r.step({ task: 't0', call: 'setns', fd: 'f2', nstype: ['CLONE_NEWTIME'] })).toEqual({ err: 'EUSERS' });
  });
  it('failed exec changes nothing', () => {
    const r = withPendingOffsets();
    const before = r.b.abstract();
    expect(r.step({ task: 't0', call: 'exec', fail: true })).toEqual({ err: 'ENOENT' });
    expect(r.b.abstract()).toEqual(before);
  });
  it('setns to the own time link after unshare discards the pending tfc (§3.3)', () => {
    const r = withPendingOffsets();
    const y = r.task('t0').timeNsForChildren;
    r.ok({ task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f2' },
      { task: 't0', call: 'close', fd: 'f1' },
      { task: 't0', call: 'setns', fd: 'f2', nstype: [] });
    expect(r.task('t0')).toMatchObject({ timeNs: 4026531834, timeNsForChildren: 4026531834 });
    expect(r.ns(y)).toBeUndefined();
  });
});
