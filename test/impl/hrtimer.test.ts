// The hrtimer queue: expiry order, arming order among equal expiries, cancel from the middle, and the
// logarithmic shape that makes arming and cancelling O(log n).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASE_MONOTONIC, ClockBase, hrtimerCpuBase, hrtimerForward, hrtimerInit, hrtimerRunQueues, hrtimerStart, ktimeAddSafe, type HrTimer } from '../../impl/hrtimer.ts';
import { KTIME_MAX } from '../../vocab/index.ts';

function drain(q: ClockBase): HrTimer[] {
  const out: HrTimer[] = [];
  for (let t = q.peek(); t !== undefined; t = q.peek()) {
    q.remove(t);
    out.push(t);
  }
  return out;
}

describe('hrtimer clock base', () => {
  it('hands timers out by expiry, equal expiries in arming order', () => {
    const cb = hrtimerCpuBase();
    const fired: string[] = [];
    const arms: Array<[string, bigint]> = [['a', 50n], ['b', 10n], ['c', 50n], ['d', 30n], ['e', 10n], ['f', 50n]];
    for (const [name, at] of arms) hrtimerStart(cb, hrtimerInit(() => fired.push(name)), at, BASE_MONOTONIC);
    hrtimerRunQueues(cb, [BASE_MONOTONIC], 100n);
    expect(fired).toEqual(['b', 'e', 'd', 'a', 'c', 'f']);
  });

  it('stops at the end of the stretch and fires a timer reached exactly at it', () => {
    const cb = hrtimerCpuBase();
    const fired: bigint[] = [];
    for (const at of [5n, 10n, 11n]) hrtimerStart(cb, hrtimerInit(() => fired.push(at)), at, BASE_MONOTONIC);
    hrtimerRunQueues(cb, [BASE_MONOTONIC], 10n);
    expect(fired).toEqual([5n, 10n]);
    expect(cb.bases[BASE_MONOTONIC].size).toBe(1);
  });

  it('cancels from the middle and keeps the order of the rest', () => {
    const q = new ClockBase();
    const ts: HrTimer[] = [];
    for (let i = 0; i < 200; i++) {
      const t = hrtimerInit(() => {});
      t.expires = BigInt((i * 7919) % 211);
      t.seq = i;
      q.add(t);
      ts.push(t);
    }
    const gone = new Set(ts.filter((_, i) => i % 3 === 1));
    for (const t of gone) q.remove(t);
    expect(q.ordered()).toBe(true);
    const rest = drain(q);
    expect(rest.length).toBe(200 - gone.size);
    const want = ts.filter((t) => !gone.has(t)).sort((a, b) => (a.expires === b.expires ? a.seq - b.seq : a.expires < b.expires ? -1 : 1));
    expect(rest).toEqual(want);
    for (const t of gone) expect(t.index).toBe(-1);
  });

  it('is a heap of depth log2(n) + 1 at 100,000 timers', () => {
    const q = new ClockBase();
    for (let i = 0; i < 100_000; i++) {
      const t = hrtimerInit(() => {});
      t.expires = BigInt(100_000 - i);
      t.seq = i;
      q.add(t);
    }
    expect(q.depth()).toBe(17);
    expect(q.ordered()).toBe(true);
  });

  it('forwards as hrtimer_forward does, counting exact multiples once more', () => {
    const t = hrtimerInit(() => {});
    t.expires = 1000n;
    // now before the expiry: nothing to do.
    expect(hrtimerForward(t, 999n, 100n)).toBe(0n);
    // now == expiry: one interval.
    expect(hrtimerForward(t, 1000n, 100n)).toBe(1n);
    expect(t.expires).toBe(1100n);
    // now = 1300 is an exact multiple past 1100: 1200, 1300 and then 1400 > now.
    expect(hrtimerForward(t, 1300n, 100n)).toBe(3n);
    expect(t.expires).toBe(1400n);
    // now exactly one interval past the expiry: 1500 is not past 1500, so two.
    expect(hrtimerForward(t, 1500n, 100n)).toBe(2n);
    expect(t.expires).toBe(1600n);
    // now between multiples: 1650 and 1700 < 1750, so two, ending at 1800 > 1750.
    expect(hrtimerForward(t, 1750n, 100n)).toBe(2n);
    expect(t.expires).toBe(1800n);
  });
  it('forwards by at least 1 ns, and saturates at KTIME_MAX', () => {
    const t = hrtimerInit(() => {});
    t.expires = 10n;
    expect(hrtimerForward(t, 12n, 0n)).toBe(3n);
    expect(t.expires).toBe(13n);
    t.expires = KTIME_MAX - 5n;
    expect(hrtimerForward(t, KTIME_MAX - 1n, 10n)).toBe(1n);
    expect(t.expires).toBe(KTIME_MAX);
    expect(ktimeAddSafe(KTIME_MAX - 1n, 1n)).toBe(KTIME_MAX);
    expect(ktimeAddSafe(KTIME_MAX - 2n, 1n)).toBe(KTIME_MAX - 1n);
  });
});

describe('the heap check itself', () => {
  it('ordered() notices a timer ahead of its parent, and a stored position that is wrong', () => {
    const q = new ClockBase();
    const ts = [10n, 20n, 30n].map((at, i) => {
      const t = hrtimerInit(() => {});
      t.expires = at;
      t.seq = i;
      q.add(t);
      return t;
    });
    expect(q.ordered()).toBe(true);
    ts[2].expires = 5n; // now ahead of its parent at the root
    expect(q.ordered()).toBe(false);
    ts[2].expires = 30n;
    ts[1].index = 2;
    expect(q.ordered()).toBe(false);
  });
  it('depth() is 0 empty, 1 with one timer, and grows at each power of two', () => {
    const q = new ClockBase();
    const depths: number[] = [q.depth()];
    for (let i = 0; i < 8; i++) {
      const t = hrtimerInit(() => {});
      t.seq = i;
      q.add(t);
      depths.push(q.depth());
    }
    expect(depths).toEqual([0, 1, 2, 2, 3, 3, 3, 3, 4]);
  });
});

describe('hrtimer clock base against its definition', () => {
  it('over any arms, cancels from anywhere and pops, the top is the earliest (expiry, arming order)', () => {
    // The reference: the queued timers kept in a plain list, the earliest found by a scan.
    const op = fc.oneof(
      fc.record({ arm: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ cancel: fc.nat(30) }),
      fc.record({ pop: fc.constant(true) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const q = new ClockBase();
      const queued: HrTimer[] = [];
      let seq = 0;
      const earliest = () => queued.reduce<HrTimer | undefined>((m, t) => (m === undefined || t.expires < m.expires || (t.expires === m.expires && t.seq < m.seq) ? t : m), undefined);
      for (const o of ops) {
        if ('arm' in o) {
          const t = hrtimerInit(() => {});
          t.expires = BigInt(o.arm);
          t.seq = ++seq;
          q.add(t);
          queued.push(t);
        } else if (queued.length > 0) {
          const t = 'cancel' in o ? queued[o.cancel % queued.length] : earliest()!;
          if ('pop' in o) expect(q.peek()).toBe(t);
          q.remove(t);
          expect(t.index).toBe(-1);
          queued.splice(queued.indexOf(t), 1);
        }
        expect(q.size).toBe(queued.length);
        expect(q.peek()).toBe(earliest());
        expect(q.ordered()).toBe(true);
      }
    }), { seed: 221, numRuns: 400 });
  });
});

