// The sides a program can run on, by name. TIMENS_SIDES may name a module exporting
// `sides: Record<string, BackendFactory>` to add more (an experimental implementation, a test double).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BackendFactory } from '../vocab/index.ts';
import { createModel } from '../model/index.ts';
import { createImpl } from '../impl/index.ts';

const FACTORIES: Record<string, BackendFactory> = { model: createModel, impl: createImpl };
if (process.env.TIMENS_SIDES) {
  const extra = (await import(pathToFileURL(resolve(process.env.TIMENS_SIDES)).href)) as { sides: Record<string, BackendFactory> };
  Object.assign(FACTORIES, extra.sides);
}
export const SIDES = Object.keys(FACTORIES);

export function sideFactory(name: string): BackendFactory {
  const f = FACTORIES[name];
  if (!f) throw new Error(`no side called ${name}; sides: ${SIDES.join(', ')}`);
  return f;
}
