// setns into a time namespace moves both pointers there and freezes it; a failed setns changes nothing.
import { it } from 'vitest';
import { checkLaw, isCall } from './law.ts';
import { canonicalJson } from '../../harness/canonical.ts';

it('setns sets time = time_for_children = target and freezes the target, or changes nothing', () => {
  checkLaw(({ step, obs, before, after }) => {
    if (!isCall(step, 'setns') || !before.tasks[step.task] || before.tasks[step.task].state !== 'running') return undefined;
    if (obs.ret !== 0) {
      // Time passes during any step (timers fire, sleeps end): a failed setns leaves the rest alone.
      if (obs.completions) return undefined;
      const still = (s: typeof before) => canonicalJson({ tasks: s.tasks, processes: s.processes, ns: s.timeNamespaces, user: s.userNamespaces });
      // Checked, not counted: the premise is a successful entry into a time namespace.
      return still(before) === still(after) ? undefined : 'a failed setns changed the state';
    }
    const fd = before.processes[before.tasks[step.task].leader]?.fds[step.fd];
    if (fd?.kind !== 'nsfs' || !before.timeNamespaces[String(fd.ns)]) return undefined; // a user namespace, or via pidfd
    const t = after.tasks[step.task];
    if (t.timeNs !== fd.ns || t.timeNsForChildren !== fd.ns) return `after setns into ${fd.ns}: time ${t.timeNs}, tfc ${t.timeNsForChildren}`;
    return after.timeNamespaces[String(fd.ns)].frozen ? '' : `namespace ${fd.ns} not frozen after setns`;
  }, { minApplied: 400 });
});
