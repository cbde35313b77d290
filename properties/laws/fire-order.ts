// Timers fire in host-expiry order: sleeps finishing in one step are reported in the order of their
// expiries on a common base.
import { law } from './law.ts';

law('sleeps that end in the same step end in the order of their host expiries', async (holds) => {
  await holds(({ obs, before }) => {
    const done = (obs.completions ?? []).filter((c) => c.err !== 'EINTR')
      .map((c) => before.tasks[c.task]?.waiting)
      .filter((w): w is NonNullable<typeof w> => !!w && w.expires !== null);
    if (done.length < 2) return undefined;
    // Compare only expiries on the same base: bases move differently during a suspend, and a relative
    // CLOCK_REALTIME sleep lives on monotonic; MONOTONIC and BOOTTIME sleeps have one base each.
    for (let i = 0; i < done.length; i++) {
      for (let j = i + 1; j < done.length; j++) {
        if (done[i].clock === done[j].clock && (done[i].clock === 1 || done[i].clock === 7) && BigInt(done[i].expires!) > BigInt(done[j].expires!))
          return `expiry ${done[i].expires} reported before ${done[j].expires}`;
      }
    }
    return '';
  }, { minApplied: 40, runs: 8000 });
});
