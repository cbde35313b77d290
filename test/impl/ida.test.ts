// The proc inode IDA: lowest free number from PROC_DYNAMIC_FIRST, a freed number reused at once
// (reference §10.2; docs/conventions.md "Namespaces").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ida } from '../../impl/ida.ts';
import { PROC_DYNAMIC_FIRST } from '../../vocab/index.ts';

describe('Ida', () => {
  it('hands out 4026531840 upwards', () => {
    const ida = new Ida();
    expect([ida.alloc(), ida.alloc(), ida.alloc()]).toEqual([4026531840, 4026531841, 4026531842]);
    expect(PROC_DYNAMIC_FIRST).toBe(4026531840);
  });

  it('reuses the lowest freed number first, whatever the order of frees', () => {
    const ida = new Ida();
    const ids = Array.from({ length: 6 }, () => ida.alloc());
    ida.free(ids[4]);
    ida.free(ids[1]);
    ida.free(ids[3]);
    expect(ida.alloc()).toBe(ids[1]);
    expect(ida.alloc()).toBe(ids[3]);
    expect(ida.alloc()).toBe(ids[4]);
    expect(ida.alloc()).toBe(4026531846);
  });

  it('reuses a number freed just now by the very next allocation', () => {
    const ida = new Ida();
    const a = ida.alloc();
    ida.free(a);
    expect(ida.alloc()).toBe(a);
  });

  it('hands back any set of freed numbers in ascending order, whatever order they were freed in', () => {
    const ids = Array.from({ length: 40 }, (_, i) => 100 + i);
    fc.assert(fc.property(fc.shuffledSubarray(ids, { minLength: 1 }), (freed) => {
      const ida = new Ida(100);
      for (let i = 0; i < ids.length; i++) ida.alloc();
      for (const id of freed) ida.free(id);
      const again = freed.map(() => ida.alloc());
      expect(again).toEqual([...freed].sort((a, b) => a - b));
      expect(ida.alloc()).toBe(140);
    }), { seed: 40, numRuns: 300 });
  });

  it('always hands out the lowest free number, over any sequence of allocations and frees', () => {
    // The reference is the definition: scan up from the first number for one not in use.
    fc.assert(fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat(40)), { maxLength: 120 }), (ops) => {
      const ida = new Ida(100);
      const used = new Set<number>();
      for (const op of ops) {
        if (op === -1 || used.size === 0) {
          let lowest = 100;
          while (used.has(lowest)) lowest++;
          expect(ida.alloc()).toBe(lowest);
          used.add(lowest);
        } else {
          const id = [...used].sort((a, b) => a - b)[op % used.size];
          ida.free(id);
          used.delete(id);
        }
      }
    }), { seed: 52, numRuns: 300 });
  });
});
