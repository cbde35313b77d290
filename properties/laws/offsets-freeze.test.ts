// A frozen namespace's offsets never change, and it never thaws.
import { it } from 'vitest';
import { checkLaw } from './law.ts';

it('offsets of a frozen time namespace never change', () => {
  checkLaw(({ before, after }) => {
    const frozen = Object.entries(before.timeNamespaces).filter(([, ns]) => ns.frozen);
    if (frozen.length === 0) return undefined;
    for (const [inum, ns] of frozen) {
      const now = after.timeNamespaces[inum];
      if (!now) continue; // freed
      if (!now.frozen) return `namespace ${inum} thawed`;
      if (now.monotonic !== ns.monotonic || now.boottime !== ns.boottime)
        return `namespace ${inum} changed from ${ns.monotonic}/${ns.boottime} to ${now.monotonic}/${now.boottime}`;
    }
    return '';
  }, { minApplied: 10_000 });
});
