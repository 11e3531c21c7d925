import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AccountsRepository, ApiKeysRepository } from '@anyfront/db';
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
    const row = await new AccountsRepository(this.ds.manager).sessionPrincipal(hashSessionToken(token, this.config.sessionSecret));
    if (!row) return null;
    // A session whose membership was removed no longer acts for that organization.
    if (!row.is_operator && !row.role) return null;
    return {
      userId: row.user_id,
      organizationId: row.role ? row.organization_id : null,
      role: row.is_operator ? 'operator' : (row.role ?? 'member'),
      credential: 'session',
      credentialId: row.id,
    };
  }

  async fromApiKey(secret: string): Promise<Principal | null> {
    // Every API key carries the prefix; other bearer tokens (edge-node credentials on every agent
    // call, garbage) cannot match, so they cost no query.
    if (!secret.startsWith(API_KEY_PREFIX)) return null;
    const row = await new ApiKeysRepository(this.ds.manager).principal(hashApiKey(secret));
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
