// exec moves the task into its time_for_children (freezing it); a failed exec changes nothing.
import { isCall, law } from './law.ts';

law('after a successful exec the task is in its former time_for_children, which is frozen', async (holds) => {
  await holds(({ step, obs, before, after }) => {
    if (!isCall(step, 'exec') || !before.tasks[step.task] || before.tasks[step.task].state !== 'running') return undefined;
    const was = before.tasks[step.task];
    const now = after.tasks[step.task];
    if (obs.ret !== 0) return now.timeNs === was.timeNs && now.timeNsForChildren === was.timeNsForChildren ? '' : 'a failed exec moved the task';
    if (now.timeNs !== was.timeNsForChildren || now.timeNsForChildren !== was.timeNsForChildren)
      return `exec took the task to ${now.timeNs}/${now.timeNsForChildren}, its time_for_children was ${was.timeNsForChildren}`;
    return after.timeNamespaces[String(now.timeNs)].frozen ? '' : 'entered namespace not frozen';
  }, { minApplied: 1_600 });
});
