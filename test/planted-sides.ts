// The planted breaks as named sides, for the command line (TIMENS_SIDES=test/planted-sides.ts).
import { createImpl } from '../impl/index.ts';
import { execStaysInOldNamespace, vdsoIgnoresMonotonicOffset, zeroOffsetsOnUnshare } from './planted-breaks.ts';

export const sides = {
  'impl-zero-offsets': zeroOffsetsOnUnshare(createImpl),
  'impl-exec-stays': execStaysInOldNamespace(createImpl),
  'impl-vdso-no-offset': vdsoIgnoresMonotonicOffset(createImpl),
};
