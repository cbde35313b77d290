// The capability mask of the abstract-state writing (vocab AbstractWriter.caps) and the names it shows: both
// sides' built states read masks through capsOfMask, so it must tell every two masks apart.
import { expect, it } from 'vitest';
import { CAP_NAMES, CAPS, capsOfMask } from '../vocab/index.ts';

it('shows bit i as CAP_NAMES[i], and every set of capabilities as its own sorted list of names', () => {
  expect(CAP_NAMES.length).toBeLessThan(31);
  CAP_NAMES.forEach((name, i) => expect(capsOfMask(1 << i)).toEqual([name]));
  expect(capsOfMask(0)).toEqual([]);
  expect(capsOfMask((1 << CAP_NAMES.length) - 1)).toEqual(Object.keys(CAPS).sort());
  const shown = new Set<string>();
  for (let mask = 0; mask < 1 << CAP_NAMES.length; mask++) {
    const names = capsOfMask(mask);
    expect(names).toEqual([...names].sort());
    shown.add(names.join(' '));
  }
  expect(shown.size).toBe(1 << CAP_NAMES.length);
});
