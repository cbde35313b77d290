// The boundaries generation aims at, shared by the generators and the coverage count that checks them.
import { KTIME_SEC_MAX } from '../vocab/index.ts';

export const S64_MAX = (1n << 63n) - 1n;
const U64 = 1n << 64n;

/** Boundaries of a timespec, in namespace time where it is absolute. */
export const TIMESPEC_BOUNDARIES = ['0', '1', 'offset-1', 'offset', 'offset+1', 'KTIME_MAX', 'sec 2^63-1'] as const;
/** Texts of the offsets parser (fs/proc/base.c timens_offsets_write: sscanf "%9s %lld %lu"; kernel/time/
 *  namespace.c proc_timens_set_offset): a %lld or %lu beyond 64 bits wraps modulo 2^64; tv_nsec is a signed
 *  long, so a %lu at or above 2^63 becomes negative and passes the `>= NSEC_PER_SEC` check. */
export const OFFSET_SEC_TEXTS: Record<string, string> = {
  'KTIME_SEC_MAX': String(KTIME_SEC_MAX), // the largest accepted by the range check (ERANGE later unless negative)
  '-KTIME_SEC_MAX': String(-KTIME_SEC_MAX),
  'KTIME_SEC_MAX+1': String(KTIME_SEC_MAX + 1n), // ERANGE
  '2^63-1': String(S64_MAX), // ERANGE
  '2^63 (wraps to -2^63)': String(1n << 63n),
  '2^64-1 (wraps to -1)': String(U64 - 1n),
  '2^64 (wraps to 0)': String(U64),
  '2^64+1 (wraps to 1)': String(U64 + 1n),
};
export const OFFSET_NSEC_TEXTS: Record<string, string> = {
  '0': '0',
  '999999999': '999999999',
  '1000000000 (EINVAL)': '1000000000',
  '-1 (EINVAL: %lu takes no sign)': '-1',
  '2^64-1 (wraps to -1, accepted)': String(U64 - 1n),
  '2^64 (wraps to 0)': String(U64),
  '2^64+1 (wraps to 1)': String(U64 + 1n),
};
/** nsec texts that wrap to a large negative tv_nsec: set_normalized_timespec64 then loops for seconds in
 *  the kernel, so they are for the simulated sides only. */
export const OFFSET_NSEC_TEXTS_SIMULATED: Record<string, string> = {
  '2^63 (wraps to -2^63, accepted)': String(1n << 63n),
};
