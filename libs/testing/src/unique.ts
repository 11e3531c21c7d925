import { randomBytes } from 'node:crypto';

/** Short random suffix so tests sharing one database never collide on unique columns. */
export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${uniqueSuffix()}@example.com`;
}

const V4_FIRST_OCTETS = [23, 45, 62, 77, 91, 103, 141, 185];

/**
 * A random globally routable IPv4 /24 or IPv6 /48 (outside every special-purpose range), so
 * pools created by different tests in one database do not overlap. Delete them after the test.
 */
export function randomPoolPrefix(family: 4 | 6 = 4): string {
  const r = () => Math.floor(Math.random() * 256);
  if (family === 4) return `${V4_FIRST_OCTETS[Math.floor(Math.random() * V4_FIRST_OCTETS.length)]}.${r()}.${r()}.0/24`;
  const h = () => Math.floor(Math.random() * 0x10000).toString(16);
  return `2a0e:${h()}:${h()}::/48`;
}
