// A time namespace is created only if, at every user-namespace level from its owner up, the charged uid's
// count was below that level's max_time_namespaces.
import { INT_MAX } from '../../vocab/index.ts';
import { law } from './law.ts';

law('every creation was below the limit at every level', async (holds) => {
  await holds(({ step, before, after }) => {
    const created = Object.keys(after.timeNamespaces).filter((k) => !before.timeNamespaces[k]);
    if (created.length === 0 || !('call' in step)) return undefined;
    const creator = before.tasks[step.task];
    for (const inum of created) {
      let level: number | null = after.timeNamespaces[inum].owner;
      let uid = creator.euid;
      while (level !== null) {
        const was = before.userNamespaces[String(level)];
        const max = was?.maxTimeNamespaces ?? INT_MAX; // a user namespace born in this step starts at INT_MAX
        const count = was?.timeNamespaces[String(uid)] ?? 0;
        if (count >= max) return `level ${level}: uid ${uid} had ${count} of ${max}, yet ${inum} was created`;
        const now: { owner: number; parent: number | null } = after.userNamespaces[String(level)];
        uid = now.owner;
        level = now.parent;
      }
    }
    return '';
  }, { minApplied: 3_000 });
});
