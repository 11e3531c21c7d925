import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config';
import type { Principal } from './principal';
import { API_KEY_PREFIX, hashApiKey, hashSessionToken } from './tokens';

/** Resolves a session cookie or an API key to a Principal. One query per request. */
@Injectable()
export class CredentialsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly config: AppConfig,
  ) {}

  async fromSessionToken(token: string): Promise<Principal | null> {
    const rows: Array<{ id: string; user_id: string; organization_id: string | null; is_operator: boolean; role: 'owner' | 'member' | null }> =
      await this.ds.query(
        `SELECT s.id, s.user_id, s.organization_id, u.is_operator, m.role
           FROM sessions s
           JOIN users u ON u.id = s.user_id
           LEFT JOIN memberships m ON m.user_id = s.user_id AND m.organization_id = s.organization_id
          WHERE s.token_hash = $1 AND s.expires_at > now()`,
        [hashSessionToken(token, this.config.sessionSecret)],
      );
    const row = rows[0];
    if (!row) return null;
    // A session whose membership was removed no longer acts for that organization.
    if (!row.is_operator && !row.role) return null;
    return {
      userId: row.user_id,
      organizationId: row.role ? row.organization_id : null,
      role: row.is_operator ? 'operator' : (row.role as 'owner' | 'member'),
      credential: 'session',
      credentialId: row.id,
    };
  }

  async fromApiKey(secret: string): Promise<Principal | null> {
    // Every API key carries the prefix; other bearer tokens (edge-node credentials on every agent
    // call, garbage) cannot match, so they cost no query.
    if (!secret.startsWith(API_KEY_PREFIX)) return null;
    const rows: Array<{ id: string; organization_id: string; role: 'owner' | 'member'; created_by: string | null; creator_role: 'owner' | 'member' | null; creator_is_operator: boolean | null }> =
      await this.ds.query(
        // last_used_at is written at most once a minute per key, so busy keys do not turn every read into a write.
        `WITH k AS (
           SELECT a.id, a.organization_id, a.role, a.last_used_at, a.created_by, m.role AS creator_role, u.is_operator AS creator_is_operator
             FROM api_keys a
             LEFT JOIN memberships m ON m.user_id = a.created_by AND m.organization_id = a.organization_id
             LEFT JOIN users u ON u.id = a.created_by
            WHERE a.secret_hash = $1 AND a.revoked_at IS NULL
         ), touch AS (
           UPDATE api_keys a SET last_used_at = now() FROM k
            WHERE a.id = k.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '60 seconds')
         )
         SELECT id, organization_id, role, created_by, creator_role, creator_is_operator FROM k`,
        [hashApiKey(secret)],
      );
    const row = rows[0];
    if (!row) return null;
    // A key is bound to its creator: it never acts above the creator's current role, and not at
    // all once the creator left the organization (keys without a creator, e.g. seeded, stand alone).
    let role = row.role;
    if (row.created_by && !row.creator_is_operator) {
      if (!row.creator_role) return null;
      if (row.creator_role === 'member') role = 'member';
    }
    return { userId: null, organizationId: row.organization_id, role, credential: 'api_key', credentialId: row.id };
  }
}
