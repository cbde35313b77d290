// A new namespace's offsets are its creator's time_for_children offsets at creation (not its own time
// namespace's, and not zero), and it starts unfrozen unless born into a fork-like child.
import { isCall, law } from './law.ts';

law('a new time namespace copies the offsets of its creator\'s time_for_children', async (holds) => {
  await holds(({ step, obs, before, after }) => {
    const created = Object.keys(after.timeNamespaces).filter((k) => !before.timeNamespaces[k]);
    if (created.length === 0) return undefined;
    if (!(isCall(step, 'unshare') || isCall(step, 'clone3')) || obs.ret !== 0 || !step.flags.includes('CLONE_NEWTIME'))
      return `namespace ${created.join(', ')} created by ${JSON.stringify(step)}`;
    if (created.length !== 1) return `one creation made ${created.length} namespaces`;
    const source = before.timeNamespaces[String(before.tasks[step.task].timeNsForChildren)];
    const made = after.timeNamespaces[created[0]];
    if (made.monotonic !== source.monotonic || made.boottime !== source.boottime)
      return `new offsets ${made.monotonic}/${made.boottime}, creator's time_for_children had ${source.monotonic}/${source.boottime}`;
    const bornEntered = isCall(step, 'clone3') && !step.flags.includes('CLONE_VM');
    return made.frozen === bornEntered ? '' : `frozen=${made.frozen} at creation by ${JSON.stringify(step)}`;
  }, { minApplied: 3_000 });
});
