// A namespace is frozen by the first entry into it and only then: setns, a fork-like child, exec.
import { law } from './law.ts';

const ENTRIES = new Set(['setns', 'fork', 'vfork', 'clone3', 'clone', 'exec']);

law('a time namespace becomes frozen only at an entry, with a task inside it', async (holds) => {
  await holds(({ step, obs, before, after }) => {
    const newlyFrozen = Object.entries(after.timeNamespaces)
      .filter(([inum, ns]) => ns.frozen && !before.timeNamespaces[inum]?.frozen);
    if (newlyFrozen.length === 0) return undefined;
    if (!('call' in step) || !ENTRIES.has(step.call)) return `frozen by ${JSON.stringify(step)}, which is not an entry`;
    if (obs.ret === undefined) return `frozen by a step that failed (${JSON.stringify(obs)})`;
    for (const [inum] of newlyFrozen) {
      if (!Object.values(after.tasks).some((t) => t.timeNs === Number(inum))) return `namespace ${inum} frozen with no task in it`;
    }
    return '';
  }, { minApplied: 1_800 });
});
