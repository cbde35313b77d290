// Canonical JSON: keys sorted at every depth, so equal values print equal and diffs read line by line.

export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonical(v);
    }
    return out;
  }
  return value;
}

export function canonicalJson(value: unknown, indent?: number): string {
  return JSON.stringify(canonical(value), (_k, v) => (typeof v === 'bigint' ? v.toString() : v), indent);
}

/** The first line at which two pretty-printed values differ, with a little context: for state diffs. */
export function firstDifference(a: unknown, b: unknown): string | undefined {
  const la = canonicalJson(a, 1).split('\n');
  const lb = canonicalJson(b, 1).split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) {
      const path: string[] = [];
      for (let j = i - 1, depth = indentOf(la[i] ?? lb[i] ?? ''); j >= 0 && depth > 0; j--) {
        if (indentOf(la[j]) < depth && /[{[]$/.test(la[j])) { path.unshift(la[j].trim().replace(/[:{[\s]+$/, '')); depth = indentOf(la[j]); }
      }
      return `at ${path.filter(Boolean).join(' > ') || '(top)'}: ${(la[i] ?? '(absent)').trim()}  vs  ${(lb[i] ?? '(absent)').trim()}`;
    }
  }
  return undefined;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}
