// Reading programs: every malformed field is refused with its name and the reason.
import { describe, expect, it } from 'vitest';
import { checkProgram, parseProgram } from '../harness/program.ts';
import { refusal } from './refusal.ts';

const good = { format: 1, kernel: 'current', env: { seed: 'a' }, steps: [{ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME'] }] };


describe('program reader', () => {
  it('accepts a good program and fills in the kernel default', () => {
    const { kernel, ...rest } = good;
    expect(kernel).toBe('current');
    expect(checkProgram(rest).kernel).toBe('current');
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseProgram('{"format": 1,')).toThrow(/not JSON/);
  });

  it.each([
    [{ ...good, format: 2 }, 'format', /expected 1, got 2/],
    [{ ...good, kernel: '5.6' }, 'kernel', /expected one of "6\.1", "6\.12", "current"/],
    [{ ...good, env: {} }, 'env.seed', /missing/],
    [{ ...good, env: { seed: 'a', caps: ['CAP_SYS_TIME', 'CAP_FLY'] } }, 'env.caps[1]', /CAP_FLY/],
    [{ ...good, env: { seed: 'a', maxTimeNamespaces: -1 } }, 'env.maxTimeNamespaces', /out of range/],
    [{ ...good, steps: {} }, 'steps', /expected a list/],
    [{ ...good, steps: [{ task: 't0', call: 'frobnicate' }] }, 'steps[0].call', /expected one of/],
    [{ ...good, steps: [{ task: 'x', call: 'exit' }] }, 'steps[0].task', /task handle/],
    [{ ...good, steps: [{ task: 't0', call: 'unshare', flags: ['CLONE_NEWNET'] }] }, 'steps[0].flags[0]', /CLONE_NEWNET/],
    [{ ...good, steps: [{ task: 't0', call: 'unshare', flags: ['CLONE_NEWTIME', 'CLONE_NEWTIME'] }] }, 'steps[0].flags', /repeated/],
    [{ ...good, steps: [{ task: 't0', call: 'unshare' }] }, 'steps[0].flags', /missing/],
    [{ ...good, steps: [{ task: 't0', call: 'exit', now: true }] }, 'steps[0].now', /unknown field/],
    [{ ...good, steps: [{ host: 'advance', ns: '-5' }] }, 'steps[0].ns', /out of range/],
    [{ ...good, steps: [{ host: 'advance', ns: 5 }] }, 'steps[0].ns', /decimal integer string/],
    [{ ...good, steps: [{ host: 'reboot', ns: '5' }] }, 'steps[0].host', /expected one of/],
    [{ ...good, steps: [{ task: 't0', call: 'open', target: 't0', file: 'ns/time', mode: 'w', fd: 'f0' }] }, 'steps[0].mode', /read-only/],
    [{ ...good, steps: [{ task: 't0', call: 'fork', child: 't1' }, { task: 't0', call: 'fork', child: 't1' }] }, 'steps[1].child', /already bound by steps\[0\]/],
    [{ ...good, steps: [{ task: 't0', call: 'fork', child: 't0' }] }, 'steps[0].child', /initial task/],
    [{ ...good, steps: [{ task: 't0', call: 'clock_gettime', clock: 'CLOCK_FAST', vdso: true }] }, 'steps[0].clock', /CLOCK_FAST/],
    [{ ...good, steps: [{ task: 't0', call: 'clock_settime', clock: 0, sec: '1.5', nsec: 0 }] }, 'steps[0].sec', /decimal/],
    [{ ...good, extra: 1 }, 'extra', /unknown field/],
    [[], 'program', /JSON object/],
  ])('refuses %j at %s', (program, field, reason) => {
    const r = refusal(program);
    expect(r.field).toBe(field);
    expect(r.reason).toMatch(reason);
  });

  it('lets a reference name a handle that was never bound (it gets an errno when run)', () => {
    expect(() => checkProgram({ ...good, steps: [{ task: 't7', call: 'close', fd: 'f3' }] })).not.toThrow();
  });
});
