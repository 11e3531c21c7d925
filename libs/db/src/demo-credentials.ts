import { createHash } from 'node:crypto';
import * as argon2 from 'argon2';
import { DEMO } from '@anyfront/contracts';

interface Db {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(sql: string, params?: unknown[]): Promise<any>;
}

/**
 * The demo seed's well-known logins and API key that are still usable in this database: a
 * production API or worker refuses to start while any is (issue 8). Checks the password, so a
 * demo address whose password was changed is not reported.
 */
export async function usableDemoCredentials(db: Db): Promise<string[]> {
  const found: string[] = [];
  const keyHash = createHash('sha256').update(DEMO.apiKey).digest('hex');
  const keys = (await db.query('SELECT 1 FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL LIMIT 1', [keyHash])) as unknown[];
  if (keys.length) found.push(`the demo API key ${DEMO.apiKey.slice(0, 12)}…`);
  for (const login of [DEMO.operator, DEMO.owner]) {
    const rows = (await db.query('SELECT password_hash FROM users WHERE lower(email) = lower($1)', [login.email])) as Array<{ password_hash: string | null }>;
    const hash = rows[0]?.password_hash;
    if (hash && (await argon2.verify(hash, login.password).catch(() => false))) found.push(`the demo login ${login.email}`);
  }
  return found;
}

/** Throws (the app's start fails with this message) while any demo credential is usable. */
export async function refuseDemoCredentials(db: Db, app: string): Promise<void> {
  const found = await usableDemoCredentials(db);
  if (found.length) {
    throw new Error(
      `refusing to start the ${app} with NODE_ENV=production: this database has ${found.join(', ')} from the npm start demo seed. ` +
        'Revoke the key and delete or re-password those users (or use a database that was never seeded).',
    );
  }
}
