import { z } from 'zod';
import { problems } from '../common/problem';

/** Parses a request part with a zod schema; every issue becomes a field error of one 400 problem. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  throw problems.validation(
    r.error.issues.slice(0, 20).map((i) => {
      const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
      const field = prefix ? (path ? `${prefix}.${path}` : prefix) : path || 'body';
      const message = i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.join(', ')}; remove them` : i.message;
      return { field, message };
    }),
  );
}
