import type { OrganizationRole } from '@anyfront/contracts';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { Membership } from '../entities/membership.entity';
import { Organization } from '../entities/organization.entity';
import { Session } from '../entities/session.entity';
import { User } from '../entities/user.entity';
import { keysetPage, type PageRequest, type PageRows } from '../pagination';

/** A Postgres unique violation (23505): the caller explains which value was taken. */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err as QueryFailedError & { driverError?: { code?: string } }).driverError?.code === '23505';
}

/** What a session token resolves to (one query per request). */
export interface SessionPrincipalRow {
  id: string;
  user_id: string;
  organization_id: string | null;
  is_operator: boolean;
  /** The user's role in the session's organization; null when the membership is gone. */
  role: OrganizationRole | null;
}

/**
 * Users, organizations, their memberships, sessions and password reset tokens. Pass the
 * transaction's EntityManager for writes that must commit together (e.g. with the audit record).
 * Unique violations (an email taken) surface as Postgres errors: see isUniqueViolation.
 */
export class AccountsRepository {
  constructor(private readonly db: EntityManager) {}

  insertUser(values: { email: string; passwordHash: string; isOperator: boolean }): Promise<User> {
    return this.db.save(this.db.create(User, values));
  }

  findUser(id: string): Promise<User | null> {
    return this.db.findOneBy(User, { id });
  }

  findUserByEmail(email: string): Promise<User | null> {
    return this.db.getRepository(User).createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email }).getOne();
  }

  /** Creates an operator, or makes an existing user one with this password. Idempotent. */
  async upsertOperator(email: string, passwordHash: string): Promise<User> {
    const rows: Array<{ id: string }> = await this.db.query(
      `INSERT INTO users (email, password_hash, is_operator) VALUES (lower($1), $2, true)
       ON CONFLICT (lower(email)) DO UPDATE SET is_operator = true, password_hash = EXCLUDED.password_hash
       RETURNING id`,
      [email, passwordHash],
    );
    const [row] = rows;
    if (!row) throw new Error(`upsert of operator ${email} returned no row`); // INSERT ... ON CONFLICT DO UPDATE always returns one
    return this.db.findOneByOrFail(User, { id: row.id });
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, passwordHash]);
  }

  insertOrganization(name: string): Promise<Organization> {
    return this.db.save(this.db.create(Organization, { name }));
  }

  findOrganization(id: string): Promise<Organization | null> {
    return this.db.findOneBy(Organization, { id });
  }

  insertMembership(values: { userId: string; organizationId: string; role: OrganizationRole }): Promise<Membership> {
    return this.db.save(this.db.create(Membership, values));
  }

  /** The user's organizations with the user's role in each, oldest membership first. */
  memberships(userId: string): Promise<Array<{ id: string; name: string; role: OrganizationRole }>> {
    return this.db.query(
      `SELECT o.id, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.organization_id WHERE m.user_id = $1 ORDER BY m.created_at, o.id`,
      [userId],
    );
  }

  /** How many organizations the user owns, counted under a lock of the user's row (two creates cannot both pass a limit). */
  async lockAndCountOwned(userId: string): Promise<number> {
    await this.db.query('SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE', [userId]);
    const [row] = await this.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM memberships WHERE user_id = $1 AND role = 'owner'`, [userId]);
    return row?.n ?? 0;
  }

  /** Points the session at another organization of its user (checked by the caller). */
  async setSessionOrganization(sessionId: string, organizationId: string): Promise<void> {
    await this.db.query('UPDATE sessions SET organization_id = $2 WHERE id = $1', [sessionId, organizationId]);
  }

  /** The user's oldest membership (a user normally has one organization). */
  firstMembership(userId: string): Promise<Membership | null> {
    return this.db.findOne(Membership, { where: { userId }, order: { createdAt: 'ASC' } });
  }

  /** The organization's members in creation order, each with its user. */
  pageMembers(organizationId: string, req: PageRequest): Promise<PageRows<Membership>> {
    const qb = this.db.getRepository(Membership).createQueryBuilder('m').innerJoinAndSelect('m.user', 'u').where('m.organization_id = :organizationId', { organizationId });
    return keysetPage(qb, req);
  }

  /**
   * The membership locked for a role change or removal, or null. Every owner row of the
   * organization is locked first, so two concurrent demotions cannot both see another owner.
   */
  async lockMembership(organizationId: string, userId: string): Promise<Membership | null> {
    await this.db.query(`SELECT id FROM memberships WHERE organization_id = $1 AND role = 'owner' FOR UPDATE`, [organizationId]);
    return this.db.findOne(Membership, { where: { organizationId, userId }, lock: { mode: 'pessimistic_write' } });
  }

  async countOwners(organizationId: string): Promise<number> {
    const [row] = await this.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM memberships WHERE organization_id = $1 AND role = 'owner'`, [organizationId]);
    return row?.n ?? 0;
  }

  async setMembershipRole(id: string, role: OrganizationRole): Promise<void> {
    await this.db.update(Membership, { id }, { role });
  }

  async deleteMembership(id: string): Promise<void> {
    await this.db.delete(Membership, { id });
  }

  insertSession(values: { tokenHash: string; userId: string; organizationId: string | null; expiresAt: Date }): Promise<Session> {
    return this.db.save(this.db.create(Session, values));
  }

  async sessionPrincipal(tokenHash: string): Promise<SessionPrincipalRow | null> {
    const rows: SessionPrincipalRow[] = await this.db.query(
      `SELECT s.id, s.user_id, s.organization_id, u.is_operator, m.role
         FROM sessions s
         JOIN users u ON u.id = s.user_id
         LEFT JOIN memberships m ON m.user_id = s.user_id AND m.organization_id = s.organization_id
        WHERE s.token_hash = $1 AND s.expires_at > now()`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }

  async deleteSessionByTokenHash(tokenHash: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
  }

  /** Expired sessions are only dead rows. */
  async deleteExpiredSessions(userId: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE user_id = $1 AND expires_at <= now()', [userId]);
  }

  /** Deletes every expired session; how many. */
  async deleteAllExpiredSessions(): Promise<number> {
    const [, n] = await this.db.query('DELETE FROM sessions WHERE expires_at <= now()');
    return Number(n ?? 0);
  }

  /** Ends the user's sessions: all, those acting for one organization, or all but one. */
  async deleteSessions(userId: string, only: { organizationId?: string; exceptId?: string } = {}): Promise<void> {
    if (only.organizationId) await this.db.query('DELETE FROM sessions WHERE user_id = $1 AND organization_id = $2', [userId, only.organizationId]);
    else if (only.exceptId) await this.db.query('DELETE FROM sessions WHERE user_id = $1 AND id <> $2', [userId, only.exceptId]);
    else await this.db.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
  }

  /** The user's one outstanding reset token: any earlier one stops working. */
  async replaceResetToken(userId: string, tokenHash: string, ttlSeconds: number): Promise<void> {
    await this.db.query('DELETE FROM password_reset_tokens WHERE user_id = $1', [userId]);
    await this.db.query(`INSERT INTO password_reset_tokens (user_id, token_hash, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`, [userId, tokenHash, ttlSeconds]);
  }

  /** An unused, unexpired reset token locked for its one use, with its user's email; or null. */
  async lockResetToken(tokenHash: string): Promise<{ id: string; user_id: string; email: string } | null> {
    const rows: Array<{ id: string; user_id: string; email: string }> = await this.db.query(
      `SELECT t.id, t.user_id, u.email FROM password_reset_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > now() FOR UPDATE OF t`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }

  async markResetTokenUsed(id: string): Promise<void> {
    await this.db.query('UPDATE password_reset_tokens SET used_at = now() WHERE id = $1', [id]);
  }

  async deleteResetTokens(userId: string): Promise<void> {
    await this.db.query('DELETE FROM password_reset_tokens WHERE user_id = $1', [userId]);
  }
}
