// unshare(CLONE_NEWTIME) never moves the caller: only its time_for_children changes.
import { isCall, law } from './law.ts';

law('a successful unshare leaves the caller in its time namespace and gives it a new time_for_children', async (holds) => {
  await holds(({ step, obs, before, after }) => {
    if (!isCall(step, 'unshare') || obs.ret !== 0 || !step.flags.includes('CLONE_NEWTIME')) return undefined;
    const was = before.tasks[step.task];
    const now = after.tasks[step.task];
    if (now.timeNs !== was.timeNs) return `caller moved from ${was.timeNs} to ${now.timeNs}`;
    if (now.timeNsForChildren === was.timeNsForChildren || before.timeNamespaces[String(now.timeNsForChildren)])
      return `time_for_children ${now.timeNsForChildren} is not a new namespace`;
    return '';
  }, { minApplied: 2_500 });
});
