import { createHash, createHmac, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'afk_';
/** Characters of the secret kept in clear for display (prefix + 8). */
export const API_KEY_DISPLAY_LENGTH = API_KEY_PREFIX.length + 8;

export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Keyed so a copy of the sessions table alone cannot be used to forge lookups. */
export function hashSessionToken(token: string, secret: string): string {
  return createHmac('sha256', secret).update(token).digest('hex');
}

export function newApiKeySecret(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** API key secrets carry 256 random bits, so sha256 is enough (and lets us look them up by hash). */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
