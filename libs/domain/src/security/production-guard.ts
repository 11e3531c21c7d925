/**
 * What the API and the worker refuse to start with when NODE_ENV=production (issue 8): the demo
 * mode of `npm start`, an absent or well-known session secret, documentation/unique-local backend
 * addresses, and (API only) a session cookie without the Secure flag. Pure: the apps pass their
 * parsed settings and print the refusals in their one configuration error.
 */

/** `ANYFRONT_MODE=local` is what `npm start` sets: demo seed, documentation addresses, generated secrets. */
export const LOCAL_MODE = 'local';

/** Secrets that appeared in this repository, its docs or common examples: never valid in production. */
const KNOWN_SESSION_SECRETS = new Set([
  'anyfront-development-session-secret',
  'changeme',
  'change-me',
  'secret',
  'session-secret',
  'please-change-me',
]);

export const MIN_PRODUCTION_SECRET_LENGTH = 32;

export interface DeploymentSettings {
  nodeEnv: string;
  mode?: string;
  sessionSecret?: string;
  allowDocumentationAddresses: boolean;
  /** API only; undefined when the app has no session cookie. */
  sessionCookieSecure?: boolean;
}

/** One line per setting that must change, as `NAME: why`; empty outside production. */
export function productionRefusals(s: DeploymentSettings): string[] {
  if (s.nodeEnv !== 'production') return [];
  const out: string[] = [];
  if (s.mode === LOCAL_MODE) out.push('ANYFRONT_MODE: "local" is the npm start demo mode (demo seed, demo logins); unset it in production');
  if (s.allowDocumentationAddresses) out.push('ALLOW_DOCUMENTATION_ADDRESSES: must be false in production (it accepts documentation and unique-local backends)');
  if (s.sessionSecret !== undefined && weakSecret(s.sessionSecret)) {
    out.push(`SESSION_SECRET: is a fixed or well-known value; use at least ${MIN_PRODUCTION_SECRET_LENGTH} random characters (openssl rand -base64 48)`);
  }
  if (s.sessionCookieSecure === false) out.push('SESSION_COOKIE_SECURE: cannot be false in production (the session cookie is always Secure there)');
  return out;
}

function weakSecret(secret: string): boolean {
  if (KNOWN_SESSION_SECRETS.has(secret.toLowerCase())) return true;
  if (secret.length < MIN_PRODUCTION_SECRET_LENGTH) return true;
  // "xxxx…" or "abababab…": fewer than 8 distinct characters is a placeholder, not a key.
  return new Set(secret).size < 8;
}
