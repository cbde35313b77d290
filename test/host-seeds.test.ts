// The simulated host of a seed: the same draw every time it is asked for, and each caller's own state to move.
import { describe, expect, it } from 'vitest';
import { hostAdvance, hostFromSeed, hostSetRealtime } from '../harness/host.ts';

describe('hostFromSeed', () => {
  it('gives each caller a state of its own: moving one leaves the next draw of the seed as it was', () => {
    const a = hostFromSeed('s1');
    const fresh = { ...a };
    hostAdvance(a, 5_000_000_000n);
    hostSetRealtime(a, 123n);
    const b = hostFromSeed('s1');
    expect(b).toEqual(fresh);
    expect(b).not.toBe(a);
    expect(a.monotonic - b.monotonic).toBe(5_000_000_000n);
  });

  it('draws by seed and tick: other seeds give other hosts, the tick is the one asked for', () => {
    const hosts = ['s1', 's2', 's3', 's4'].map((s) => hostFromSeed(s));
    expect(new Set(hosts.map((h) => h.bootRealtime)).size).toBe(4);
    expect(hostFromSeed('s1', 1_000_000n).tickNs).toBe(1_000_000n);
    expect(hostFromSeed('s1').tickNs).toBe(4_000_000n);
    expect({ ...hostFromSeed('s1', 1_000_000n), tickNs: 0n }).toEqual({ ...hostFromSeed('s1'), tickNs: 0n });
  });

  it('gives the same host for a seed after many other seeds were drawn', () => {
    const first = hostFromSeed('kept');
    for (let i = 0; i < 3000; i++) hostFromSeed(`other-${i}`);
    expect(hostFromSeed('kept')).toEqual(first);
  });
});
