// Tasks sharing memory are always in the same time namespace: the vDSO mapping belongs to the mm.
import { law } from './law.ts';

law('tasks that share an mm share their time namespace', async (holds) => {
  await holds(({ after }) => {
    const byVm = new Map<string, Set<number | null>>();
    for (const t of Object.values(after.tasks)) {
      if (t.vm === null) continue;
      (byVm.get(t.vm) ?? byVm.set(t.vm, new Set()).get(t.vm)!).add(t.timeNs);
    }
    const shared = [...byVm.entries()].filter(([vm]) => Object.values(after.tasks).filter((t) => t.vm === vm).length > 1);
    if (shared.length === 0) return undefined;
    const split = shared.find(([, ns]) => ns.size > 1);
    return split ? `mm ${split[0]} spans time namespaces ${[...split[1]].join(', ')}` : '';
  }, { minApplied: 15_000 });
});
