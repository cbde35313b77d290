// The world of an unprivileged start (docs/conventions.md, "The world a program starts in"): t0 begins
// in a user namespace its creator, kuid/kgid 65534 without capabilities, made and mapped to 0. Each
// step with what it must observe on either side, and the abstract state after the last step.
import { CAP_NAMES, type Environment, type Observation, type Step } from '../vocab/index.ts';

export const UNPRIVILEGED_ENV: Environment = {
  caps: [...CAP_NAMES], uid: 65534, rtc: true, maxTimeNamespaces: 96365, tickNs: 4_000_000n,
  userNamespace: { gid: 65534, parentCouldSetfcap: false },
};

export const START_USER_NS = 4026531840;

export const UNPRIVILEGED_SCENARIO: Array<[Step, Observation]> = [
  // The namespace t0 is in: its owner is t0's own kuid, which it sees as 0; its parent (the initial
  // namespace) is out of reach.
  [{ task: 't0', call: 'open', target: 't0', file: 'ns/user', mode: 'r', fd: 'f0' }, { ret: 0, handle: 'f0' }],
  [{ task: 't0', call: 'ioctl', fd: 'f0', request: 'NS_GET_OWNER_UID' }, { ret: 0, uid: 0 }],
  [{ task: 't0', call: 'ioctl', fd: 'f0', request: 'NS_GET_PARENT', result: 'f1' }, { err: 'EPERM' }],
  // Every capability in it, none over the host: no clock set, no offsets of the initial time namespace,
  // no entering the root-owned initial time namespace, no alarm clocks.
  [{ task: 't0', call: 'clock_settime', clock: 'CLOCK_REALTIME', sec: '1', nsec: 0 }, { err: 'EPERM' }],
  [{ task: 't0', call: 'open', target: 't0', file: 'timens_offsets', mode: 'w', fd: 'f2' }, { ret: 0, handle: 'f2' }],
  [{ task: 't0', call: 'write', fd: 'f2', text: 'monotonic 1 0' }, { err: 'EPERM' }],
  [{ task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'r', fd: 'f3' }, { ret: 0, handle: 'f3' }],
  [{ task: 't0', call: 'setns', fd: 'f3', nstype: ['CLONE_NEWTIME'] }, { err: 'EPERM' }],
  [{ task: 't0', call: 'ioctl', fd: 'f3', request: 'NS_GET_USERNS', result: 'f4' }, { err: 'EPERM' }],
  [{ task: 't0', call: 'clock_nanosleep', clock: 'CLOCK_REALTIME_ALARM', abs: false, value: { sec: '0', nsec: 1 } }, { err: 'EPERM' }],
  // Its own limits: a new user namespace's max_time_namespaces, writable by its root.
  [{ task: 't0', call: 'sysctl_read' }, { ret: 0, value: '2147483647' }],
  [{ task: 't0', call: 'sysctl_write', value: 5 }, { ret: 0 }],
  // A time namespace of its own: the next number of the pool, with writable offsets.
  [{ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] }, { ret: 0 }],
  [{ task: 't0', call: 'readlink', target: 't0', link: 'time_for_children' }, { ret: 17, link: 'time:[4026531841]' }],
  [{ task: 't0', call: 'write', fd: 'f2', text: 'monotonic 5 0' }, { ret: 13 }],
  [{ task: 't0', call: 'fork', child: 't1' }, { ret: 0, handle: 't1' }],
  [{ task: 't1', call: 'readlink', target: 't1', link: 'time' }, { ret: 17, link: 'time:[4026531841]' }],
  // Uid 0 is the only uid it has; the maps are written once and for all.
  [{ task: 't0', call: 'setuid', uid: 0 }, { ret: 0 }],
  [{ task: 't0', call: 'setuid', uid: 1 }, { err: 'EINVAL' }],
  [{ task: 't0', call: 'map_root' }, { err: 'EPERM' }],
  // A nested user namespace maps its 0 onto the same kuid and kgid.
  [{ task: 't1', call: 'unshare', flags: ['CLONE_NEWUSER'] }, { ret: 0 }],
  [{ task: 't1', call: 'map_root' }, { ret: 0 }],
  [{ task: 't1', call: 'setuid', uid: 0 }, { ret: 0 }],
  [{ task: 't1', call: 'exec' }, { ret: 0 }],
];
