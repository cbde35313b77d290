// /proc/PID/stat starttime and times(2) on impl: the rules of test/kernel/programs.ts STARTTIME, as the
// model and the kernel are checked.
import { describe } from 'vitest';
import { createImpl } from '../../impl/index.ts';
import { startTimeChecks } from '../starttime-checks.ts';

describe('read_starttime and times on impl', () => {
  startTimeChecks(createImpl);
});
