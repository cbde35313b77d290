// setns into a time namespace moves both pointers there and freezes it; a failed setns changes nothing.
import { isCall, law } from './law.ts';
import { canonicalJson } from '../../harness/canonical.ts';

law('setns sets time = time_for_children = target and freezes the target, or changes nothing', async (holds) => {
  await holds(({ step, obs, before, after }) => {
    if (!isCall(step, 'setns') || !before.tasks[step.task] || before.tasks[step.task].state !== 'running') return undefined;
    if (obs.ret !== 0) {
      // Time passes during any step (timers fire, sleeps end): a failed setns leaves the rest alone.
      if (obs.completions) return undefined;
      const still = (s: typeof before) => canonicalJson({ tasks: s.tasks, processes: s.processes, ns: s.timeNamespaces, user: s.userNamespaces });
      // Checked, not counted: the premise is a successful entry into a time namespace.
      return still(before) === still(after) ? undefined : 'a failed setns changed the state';
    }
    const fd = before.processes[before.tasks[step.task].leader]?.fds[step.fd];
    // The namespace entered: an nsfs fd's own, or through a pidfd with CLONE_NEWTIME the target's time
    // namespace (prepare_nsset/validate_nsset take nsproxy->time_ns, not time_ns_for_children).
    const ns = fd?.kind === 'nsfs' ? fd.ns
      : fd?.kind === 'pidfd' && step.nstype.includes('CLONE_NEWTIME') ? before.tasks[fd.target]?.timeNs : undefined;
    if (ns === undefined || !before.timeNamespaces[String(ns)]) return undefined; // a user namespace only
    const t = after.tasks[step.task];
    if (t.timeNs !== ns || t.timeNsForChildren !== ns) return `after setns into ${ns}: time ${t.timeNs}, tfc ${t.timeNsForChildren}`;
    return after.timeNamespaces[String(ns)].frozen ? '' : `namespace ${ns} not frozen after setns`;
  }, { minApplied: 400 });
});
