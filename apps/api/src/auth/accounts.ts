import type { OrganizationRole } from '@anyfront/contracts';
import { ApiKey, Membership, Organization, Session, User } from '@anyfront/db';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { problems } from '../common/problem';
import { hashPassword } from './passwords';
import { API_KEY_DISPLAY_LENGTH, hashApiKey, hashSessionToken, newApiKeySecret, newSessionToken } from './tokens';

/**
 * Account operations on a plain DataSource/EntityManager, shared by the HTTP layer, the
 * create-operator command and the demo seed.
 */

export function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err as QueryFailedError & { driverError?: { code?: string } }).driverError?.code === '23505';
}

export async function createOrganizationWithOwner(
  m: EntityManager,
  input: { email: string; password: string; organizationName: string },
): Promise<{ user: User; organization: Organization }> {
  const passwordHash = await hashPassword(input.password);
  return m.transaction(async (tx) => {
    let user: User;
    try {
      user = await tx.save(tx.create(User, { email: input.email.toLowerCase(), passwordHash, isOperator: false }));
    } catch (err) {
      if (isUniqueViolation(err)) throw problems.conflict('An account with this email already exists. Log in instead.', 'email', 'email-taken');
      throw err;
    }
    const organization = await tx.save(tx.create(Organization, { name: input.organizationName }));
    await tx.insert(Membership, { userId: user.id, organizationId: organization.id, role: 'owner' });
    return { user, organization };
  });
}

/** Creates an operator, or makes an existing user one and resets the password. Idempotent. */
export async function upsertOperator(ds: DataSource | EntityManager, email: string, password: string): Promise<User> {
  const m = ds instanceof DataSource ? ds.manager : ds;
  const passwordHash = await hashPassword(password);
  const rows: Array<{ id: string }> = await m.query(
    `INSERT INTO users (email, password_hash, is_operator) VALUES (lower($1), $2, true)
     ON CONFLICT (lower(email)) DO UPDATE SET is_operator = true, password_hash = EXCLUDED.password_hash
     RETURNING id`,
    [email, passwordHash],
  );
  const [row] = rows;
  if (!row) throw new Error(`upsert of operator ${email} returned no row`); // INSERT ... ON CONFLICT DO UPDATE always returns one
  return m.findOneByOrFail(User, { id: row.id });
}

export async function createSession(m: EntityManager, userId: string, organizationId: string | null, secret: string, ttlHours: number): Promise<{ token: string; session: Session }> {
  const token = newSessionToken();
  const session = await m.save(
    m.create(Session, { tokenHash: hashSessionToken(token, secret), userId, organizationId, expiresAt: new Date(Date.now() + ttlHours * 3600_000) }),
  );
  return { token, session };
}

export async function createApiKey(
  m: EntityManager,
  input: { organizationId: string; name: string; role: OrganizationRole; createdBy: string | null },
): Promise<{ key: ApiKey; secret: string }> {
  const secret = newApiKeySecret();
  const key = await m.save(
    m.create(ApiKey, {
      organizationId: input.organizationId,
      name: input.name,
      role: input.role,
      prefix: secret.slice(0, API_KEY_DISPLAY_LENGTH),
      secretHash: hashApiKey(secret),
      createdBy: input.createdBy,
      lastUsedAt: null,
      revokedAt: null,
    }),
  );
  return { key, secret };
}
