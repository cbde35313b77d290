// gettimeofday and time on the model: the wall clock, never shifted by a time namespace; microseconds of
// CLOCK_REALTIME, and the whole seconds of the coarse (tick-updated) wall clock.
import { describe, expect, it } from 'vitest';
import { WALL_CLOCKS } from '../kernel/programs.ts';
import { hostClocks, run } from './run.ts';

describe('gettimeofday and time on the model', () => {
  it('read the host wall clock in a namespace a day ahead, through the vDSO and the syscall', () => {
    const host = hostClocks({ realtime: 1795912363_630123456n, realtimeCoarse: 1795912362_998000000n });
    const r = run(WALL_CLOCKS.steps, undefined, host);
    expect(r.obs.slice(4).map((o) => o.time)).toEqual(['1795912363630123000', '1795912363630123000', '1795912362000000000', '1795912362000000000']);
  });
});
