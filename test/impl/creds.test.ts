// Credential rules that decide errnos here, with expected values taken from the kernel sources and
// checked on Linux 6.18: cap_ptrace_access_check (security/commoncap.c) and verify_root_map
// (kernel/user_namespace.c).
import { describe, expect, it } from 'vitest';
import { CAP_NAMES } from '../../vocab/index.ts';
import { Run } from './helpers.ts';

describe('ptrace read access to /proc/PID/ns', () => {
  it('same uid is not enough once the target has capabilities the caller lacks (commoncap subset rule)', () => {
    const r = new Run();
    r.ok({ task: 't0', call: 'fork', child: 't1' });
    expect(r.step({ task: 't1', call: 'readlink', target: 't0', link: 'time' })).toEqual({ ret: 17, link: 'time:[4026531834]' });
    r.ok({ task: 't1', call: 'drop_caps', caps: ['CAP_SYS_PTRACE'] });
    expect(r.step({ task: 't1', call: 'readlink', target: 't0', link: 'time' })).toEqual({ err: 'EACCES' });
    expect(r.step({ task: 't1', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f1' })).toEqual({ err: 'EACCES' });
    // Its own thread group needs no check at all.
    expect(r.step({ task: 't1', call: 'readlink', target: 't1', link: 'time' })).toEqual({ ret: 17, link: 'time:[4026531834]' });
  });
  it('an exited (zombie) target has no time links: ENOENT', () => {
    const r = new Run();
    r.ok({ task: 't0', call: 'fork', child: 't1' }, { task: 't1', call: 'exit' });
    expect(r.task('t1').state).toBe('exited');
    expect(r.step({ task: 't0', call: 'readlink', target: 't1', link: 'time' })).toEqual({ err: 'ENOENT' });
  });
});

describe('map_root', () => {
  it('maps uid 0 onto the creator when the creator held every capability', () => {
    const r = new Run();
    r.ok({ task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] }, { task: 't0', call: 'map_root' });
    const ns = r.b.abstract().userNamespaces[String(r.task('t0').userNs)];
    expect(ns.mapped).toBe(true);
  });
  it('mapping the parent root needs CAP_SETFCAP at creation time (verify_root_map): EPERM at uid_map', () => {
    const r = new Run({ caps: CAP_NAMES.filter((c) => c !== 'CAP_SETFCAP') });
    r.ok({ task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] });
    expect(r.step({ task: 't0', call: 'map_root' })).toEqual({ err: 'EPERM' });
    // With CAP_SETFCAP (and without CAP_SETUID: the owner may map itself) the same write is allowed.
    const w = new Run({ caps: CAP_NAMES.filter((c) => c !== 'CAP_SETUID') });
    w.ok({ task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] }, { task: 't0', call: 'map_root' });
  });
  it('the initial user namespace cannot be mapped: EPERM, or EACCES at open without CAP_SYS_ADMIN', () => {
    const r = new Run();
    expect(r.step({ task: 't0', call: 'map_root' })).toEqual({ err: 'EPERM' });
    // proc_setgroups_open() refuses a writer without CAP_SYS_ADMIN before anything is written.
    const u = new Run({ caps: ['CAP_SYS_TIME'] });
    expect(u.step({ task: 't0', call: 'map_root' })).toEqual({ err: 'EACCES' });
  });
  it('a second map_root is refused: setgroups is sealed once gid_map is written', () => {
    const r = new Run();
    r.ok({ task: 't0', call: 'unshare', flags: ['CLONE_NEWUSER'] }, { task: 't0', call: 'map_root' });
    expect(r.step({ task: 't0', call: 'map_root' })).toEqual({ err: 'EPERM' });
  });
});

describe('setns into a root-owned namespace from a child user namespace (§11)', () => {
  it('is EPERM even with a full capability set there', () => {
    const r = new Run();
    r.ok({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] },
      { task: 't0', call: 'open', target: 't0', file: 'ns/time_for_children', mode: 'r', fd: 'f1' },
      { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] });
    expect(r.step({ task: 't1', call: 'setns', fd: 'f1', nstype: ['CLONE_NEWTIME'] })).toEqual({ err: 'EPERM' });
  });
});

describe('max_time_namespaces (§12)', () => {
  it('is writable only with CAP_SYS_RESOURCE, within [0, INT_MAX]; 0 forbids creation', () => {
    const r = new Run();
    expect(r.step({ task: 't0', call: 'sysctl_write', value: -1 })).toEqual({ err: 'EINVAL' });
    r.ok({ task: 't0', call: 'sysctl_write', value: 0 });
    expect(r.step({ task: 't0', call: 'sysctl_read' })).toEqual({ ret: 0, value: '0' });
    expect(r.step({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] })).toEqual({ err: 'ENOSPC' });
    const u = new Run({ caps: ['CAP_SYS_ADMIN'] });
    expect(u.step({ task: 't0', call: 'sysctl_write', value: 5 })).toEqual({ err: 'EACCES' });
  });
  it('a nested namespace showing INT_MAX still gets ENOSPC when an ancestor level is exhausted', () => {
    const r = new Run({ maxTimeNamespaces: 1 });
    r.ok({ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] }, { task: 't0', call: 'fork', child: 't1' },
      { task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] });
    expect(r.step({ task: 't1', call: 'sysctl_read' })).toEqual({ ret: 0, value: '2147483647' });
    expect(r.step({ task: 't1', call: 'unshare', flags: ['CLONE_NEWTIME'] })).toEqual({ err: 'ENOSPC' });
  });
});
