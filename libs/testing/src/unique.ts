import { randomBytes } from 'node:crypto';

/** Short random suffix so tests sharing one database never collide on unique columns. */
export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${uniqueSuffix()}@example.com`;
}
