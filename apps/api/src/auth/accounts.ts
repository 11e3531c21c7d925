import type { OrganizationRole } from '@anyfront/contracts';
import { AccountsRepository, ApiKeysRepository, isUniqueViolation, type ApiKey, type Organization, type Session, type User } from '@anyfront/db';
import type { EntityManager } from 'typeorm';
import { problems } from '../common/problem';
import { hashPassword } from './passwords';
import { API_KEY_DISPLAY_LENGTH, hashApiKey, hashSessionToken, newApiKeySecret, newSessionToken } from './tokens';

/**
 * Account operations on an EntityManager, shared by the HTTP layer, the create-operator command
 * and the demo seed.
 */

export async function createOrganizationWithOwner(
  m: EntityManager,
  input: { email: string; password: string; organizationName: string },
): Promise<{ user: User; organization: Organization }> {
  const passwordHash = await hashPassword(input.password);
  return m.transaction(async (tx) => {
    const accounts = new AccountsRepository(tx);
    let user: User;
    try {
      user = await accounts.insertUser({ email: input.email.toLowerCase(), passwordHash, isOperator: false });
    } catch (err) {
      if (isUniqueViolation(err)) throw problems.conflict('An account with this email already exists. Log in instead.', 'email', 'email-taken');
      throw err;
    }
    const organization = await accounts.insertOrganization(input.organizationName);
    await accounts.insertMembership({ userId: user.id, organizationId: organization.id, role: 'owner' });
    return { user, organization };
  });
}

/** Creates an operator, or makes an existing user one and resets the password. Idempotent. */
export async function upsertOperator(m: EntityManager, email: string, password: string): Promise<User> {
  return new AccountsRepository(m).upsertOperator(email, await hashPassword(password));
}

export async function createSession(m: EntityManager, userId: string, organizationId: string | null, secret: string, ttlHours: number): Promise<{ token: string; session: Session }> {
  const token = newSessionToken();
  const session = await new AccountsRepository(m).insertSession({ tokenHash: hashSessionToken(token, secret), userId, organizationId, expiresAt: new Date(Date.now() + ttlHours * 3600_000) });
  return { token, session };
}

export async function createApiKey(
  m: EntityManager,
  input: { organizationId: string; name: string; role: OrganizationRole; createdBy: string | null },
): Promise<{ key: ApiKey; secret: string }> {
  const secret = newApiKeySecret();
  const key = await new ApiKeysRepository(m).insert({
    organizationId: input.organizationId,
    name: input.name,
    role: input.role,
    prefix: secret.slice(0, API_KEY_DISPLAY_LENGTH),
    secretHash: hashApiKey(secret),
    createdBy: input.createdBy,
  });
  return { key, secret };
}
