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
    const rows: Array<{ id: string; organization_id: string; role: 'owner' | 'member' }> = await this.ds.query(
      // last_used_at is written at most once a minute per key, so busy keys do not turn every read into a write.
      `WITH k AS (
         SELECT id, organization_id, role, last_used_at FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL
       ), touch AS (
         UPDATE api_keys a SET last_used_at = now() FROM k
          WHERE a.id = k.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '60 seconds')
       )
       SELECT id, organization_id, role FROM k`,
      [hashApiKey(secret)],
    );
    const row = rows[0];
    if (!row) return null;
    return { userId: null, organizationId: row.organization_id, role: row.role, credential: 'api_key', credentialId: row.id };
  }
}
