import type { FieldError } from './problem';

/**
 * Deepest JSON nesting a request may use. The deepest legitimate body (a service with listeners
 * and a health check) is 3 levels; validators and canonical JSON recurse, so a body nested
 * thousands of levels deep would overflow the stack instead of getting an answer.
 */
export const MAX_JSON_DEPTH = 32;

// In a `u` regex a well-formed surrogate pair is one code point, so this matches only lone halves.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function badString(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain NUL (\\u0000) characters';
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode (it contains a lone surrogate)';
  return null;
}

const childPath = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/**
 * The first thing in a parsed request part (body or query) that no handler should ever see:
 * nesting deeper than MAX_JSON_DEPTH, a NUL character (Postgres text cannot hold one) or a lone
 * UTF-16 surrogate (not Unicode; validators throw on it). Keys count as strings too.
 * Iterative, so the check itself cannot overflow the stack.
 */
export function findHostileInput(value: unknown, root: string, maxDepth = MAX_JSON_DEPTH): FieldError | null {
  const stack: Array<{ v: unknown; depth: number; path: string }> = [{ v: value, depth: 0, path: root }];
  while (stack.length) {
    const { v, depth, path } = stack.pop()!;
    if (typeof v === 'string') {
      const message = badString(v);
      if (message) return { field: path || 'body', message };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) return { field: path || 'body', message: `is nested too deeply (at most ${maxDepth} levels)` };
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ v: item, depth: depth + 1, path: childPath(path, i) }));
      continue;
    }
    for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
      const keyProblem = badString(key);
      if (keyProblem) return { field: path || 'body', message: `has a key that ${keyProblem}` };
      stack.push({ v: item, depth: depth + 1, path: childPath(path, key) });
    }
  }
  return null;
}
