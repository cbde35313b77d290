// A frozen namespace's offsets never change, and it never thaws. Checked at every step; counted where
// the law can fail: a write (the only way offsets change) while a namespace other than the initial one
// is frozen. The initial namespace is frozen from boot and no write can reach it.
import { PROC_TIME_INIT_INO } from '../../vocab/index.ts';
import { isCall, law } from './law.ts';

law('offsets of a frozen time namespace never change', async (holds) => {
  await holds(({ step, before, after }) => {
    const frozen = Object.entries(before.timeNamespaces).filter(([, ns]) => ns.frozen);
    for (const [inum, ns] of frozen) {
      const now = after.timeNamespaces[inum];
      if (!now) continue; // freed
      if (!now.frozen) return `namespace ${inum} thawed`;
      if (now.monotonic !== ns.monotonic || now.boottime !== ns.boottime)
        return `namespace ${inum} changed from ${ns.monotonic}/${ns.boottime} to ${now.monotonic}/${now.boottime}`;
    }
    return isCall(step, 'write') && frozen.some(([inum]) => Number(inum) !== PROC_TIME_INIT_INO) ? '' : undefined;
  }, { minApplied: 1_600 });
});
