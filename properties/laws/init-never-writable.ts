// The initial time namespace always has zero offsets and is always frozen: no write ever lands there.
import { PROC_TIME_INIT_INO } from '../../vocab/index.ts';
import { isCall, law } from './law.ts';

law('no write to timens_offsets ever succeeds against the initial time namespace', async (holds) => {
  await holds(({ step, obs, before, after }) => {
    const init = after.timeNamespaces[String(PROC_TIME_INIT_INO)];
    if (!init || !init.frozen || init.monotonic !== '0' || init.boottime !== '0') return `initial namespace is ${JSON.stringify(init)}`;
    if (!isCall(step, 'write') || !before.tasks[step.task]) return undefined;
    const fd = before.processes[before.tasks[step.task].leader]?.fds[step.fd];
    if (!fd || fd.kind !== 'offsets') return undefined;
    const target = before.tasks[fd.target];
    if (!target || target.timeNsForChildren !== PROC_TIME_INIT_INO) return undefined;
    return obs.ret === undefined ? '' : `a write to the initial namespace returned ${obs.ret}`;
  }, { minApplied: 600 });
});
