import { createHash, randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LOCAL_MODE } from '@anyfront/domain';
import { AccountsRepository } from '@anyfront/db';
import { DataSource } from 'typeorm';
import { AuditService } from '../common/audit.service';
import { problems } from '../common/problem';
import { AppConfig } from '../config';
import { LoginThrottle } from './login-throttle';
import { passwordWeakness } from './password-policy';
import { hashPassword, verifyPassword } from './passwords';
import type { Principal } from './principal';

const RESET_TOKEN_PREFIX = 'afr_';
const RESET_TOKEN_TTL_SECONDS = 3600;
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Password change (with the current password; other sessions end) and reset by a one-time token
 * (stored hashed, one hour, one use; every session ends). There is no mailer yet: in the local
 * demo mode the token is printed to the API log; elsewhere the request is accepted and logged
 * without the token (see SECURITY.md).
 */
@Injectable()
export class PasswordsService {
  private readonly logger = new Logger('PasswordReset');

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottle,
  ) {}

  async change(p: Principal, currentPassword: string, newPassword: string): Promise<void> {
    if (p.credential !== 'session' || !p.userId) throw problems.forbidden('Change a password while logged in with it (a session); API keys have no password.');
    const user = await new AccountsRepository(this.ds.manager).findUser(p.userId);
    if (!user || !(await verifyPassword(user.passwordHash, currentPassword))) throw problems.field(403, 'current_password', 'is not your current password');
    const weak = passwordWeakness(newPassword, [user.email]);
    if (weak) throw problems.validation([{ field: 'new_password', message: weak }]);
    const hash = await hashPassword(newPassword);
    await this.ds.transaction(async (tx) => {
      const accounts = new AccountsRepository(tx);
      await accounts.setPasswordHash(user.id, hash);
      // Whoever else held a session (perhaps the reason for the change) is logged out.
      await accounts.deleteSessions(user.id, { exceptId: p.credentialId });
      await accounts.deleteResetTokens(user.id);
      await this.audit.record(p, 'user.password_change', { type: 'user', id: p.userId }, {}, tx);
    });
  }

  /** Always succeeds (no account enumeration); issues a token only for an existing account. */
  async requestReset(email: string): Promise<void> {
    const user = await new AccountsRepository(this.ds.manager).findUserByEmail(email);
    if (!user) return;
    const token = RESET_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    await this.ds.transaction(async (tx) => {
      await new AccountsRepository(tx).replaceResetToken(user.id, hashToken(token), RESET_TOKEN_TTL_SECONDS);
      await this.audit.record(null, 'user.password_reset_request', { type: 'user', id: user.id, organizationId: null }, {}, tx);
    });
    if (this.config.mode === LOCAL_MODE) {
      this.logger.warn(`password reset for ${user.email}: token ${token} (local mode: printed instead of mailed; valid ${RESET_TOKEN_TTL_SECONDS / 60} minutes; POST /v1/auth/password-reset/confirm)`);
    } else {
      this.logger.warn(`password reset requested for user ${user.id}; no mailer is configured, so the token is not delivered (only the local mode prints it)`);
    }
  }

  async confirmReset(token: string, newPassword: string): Promise<void> {
    const { email } = await this.ds.transaction(async (tx) => {
      const accounts = new AccountsRepository(tx);
      const row = await accounts.lockResetToken(hashToken(token));
      if (!row) throw problems.validation([{ field: 'token', message: 'is unknown, used or expired; request a new one' }]);
      const weak = passwordWeakness(newPassword, [row.email]);
      if (weak) throw problems.validation([{ field: 'new_password', message: weak }]);
      await accounts.setPasswordHash(row.user_id, await hashPassword(newPassword));
      await accounts.markResetTokenUsed(row.id);
      await accounts.deleteSessions(row.user_id);
      await this.audit.record(null, 'user.password_reset', { type: 'user', id: row.user_id, organizationId: null }, {}, tx);
      return row;
    });
    await this.throttle.succeeded(email);
  }
}
