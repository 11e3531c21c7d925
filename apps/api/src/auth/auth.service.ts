import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AccountsRepository } from '@anyfront/db';
import { DataSource } from 'typeorm';
import { AuditService } from '../common/audit.service';
import { problems } from '../common/problem';
import { AppConfig } from '../config';
import { createOrganizationWithOwner, createSession } from './accounts';
import type { MeDto, SignupDto, LoginDto } from './auth.dto';
import { LoginThrottle } from './login-throttle';
import { dummyPasswordHash, verifyPassword } from './passwords';
import type { Principal } from './principal';
import { hashSessionToken } from './tokens';

@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottle,
  ) {}

  async signup(dto: SignupDto): Promise<{ token: string; me: MeDto }> {
    const { user, organization } = await createOrganizationWithOwner(this.ds.manager, {
      email: dto.email,
      password: dto.password,
      organizationName: dto.organization_name,
    });
    const { token, session } = await createSession(this.ds.manager, user.id, organization.id, this.config.sessionSecret, this.config.sessionTtlHours);
    const principal: Principal = { userId: user.id, organizationId: organization.id, role: 'owner', credential: 'session', credentialId: session.id };
    await this.audit.record(principal, 'organization.signup', { type: 'organization', id: organization.id });
    return { token, me: { user: { id: user.id, email: user.email }, organization: { id: organization.id, name: organization.name }, role: 'owner', credential: 'session' } };
  }

  async login(dto: LoginDto): Promise<{ token: string; me: MeDto }> {
    await this.throttle.check(dto.email);
    const accounts = new AccountsRepository(this.ds.manager);
    const user = await accounts.findUserByEmail(dto.email);
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), dto.password);
    if (!user || !ok) {
      await this.throttle.failed(dto.email);
      throw problems.unauthenticated('The email or password is wrong.');
    }
    await this.throttle.succeeded(dto.email);
    // Acts for the user's first organization (a user normally has one).
    const membership = await accounts.firstMembership(user.id);
    if (!membership && !user.isOperator) throw problems.forbidden('This account belongs to no organization any more.');
    // Expired sessions are only dead rows; drop the user's on each login.
    await accounts.deleteExpiredSessions(user.id);
    const { token, session } = await createSession(this.ds.manager, user.id, membership?.organizationId ?? null, this.config.sessionSecret, this.config.sessionTtlHours);
    const principal: Principal = {
      userId: user.id,
      organizationId: membership?.organizationId ?? null,
      role: user.isOperator ? 'operator' : membership!.role,
      credential: 'session',
      credentialId: session.id,
    };
    return { token, me: await this.me(principal) };
  }

  async logout(token: string | undefined): Promise<void> {
    if (!token) return;
    await new AccountsRepository(this.ds.manager).deleteSessionByTokenHash(hashSessionToken(token, this.config.sessionSecret));
  }

  async me(p: Principal): Promise<MeDto> {
    const accounts = new AccountsRepository(this.ds.manager);
    const user = p.userId ? await accounts.findUser(p.userId) : null;
    const org = p.organizationId ? await accounts.findOrganization(p.organizationId) : null;
    return {
      user: user ? { id: user.id, email: user.email } : null,
      organization: org ? { id: org.id, name: org.name } : null,
      role: p.role,
      credential: p.credential,
    };
  }
}
