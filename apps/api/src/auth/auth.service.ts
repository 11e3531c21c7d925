import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AccountsRepository } from '@anyfront/db';
import { DataSource } from 'typeorm';
import { AuditService } from '../common/audit.service';
import { ProblemException, problems } from '../common/problem';
import { AppConfig } from '../config';
import { createOrganizationWithOwner, createSession } from './accounts';
import type { MeDto, MyOrganizationDto, MyOrganizationsDto, SignupDto, LoginDto } from './auth.dto';
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

  /** The organizations the caller can act for (an API key: its own), and how many more the account may create. */
  async organizations(p: Principal): Promise<MyOrganizationsDto> {
    const accounts = new AccountsRepository(this.ds.manager);
    if (p.credential !== 'session' || !p.userId) {
      const org = p.organizationId ? await accounts.findOrganization(p.organizationId) : null;
      const data: MyOrganizationDto[] = org ? [{ id: org.id, name: org.name, role: p.role === 'owner' ? 'owner' : 'member', current: true }] : [];
      return { data, can_create: 0 };
    }
    const rows = await accounts.memberships(p.userId);
    const owned = rows.filter((r) => r.role === 'owner').length;
    return { data: rows.map((r) => ({ ...r, current: r.id === p.organizationId })), can_create: Math.max(0, this.config.organizationsPerAccount - owned) };
  }

  /**
   * A new organization owned by the logged-in user (its own services, quotas and billing), up to
   * ORGANIZATIONS_PER_ACCOUNT owned ones. The session keeps acting for the current one until it switches.
   */
  async createOrganization(p: Principal, name: string): Promise<MyOrganizationDto> {
    const userId = this.sessionUser(p, 'Create organizations while logged in (a session); an API key belongs to one organization.');
    return this.ds.transaction(async (tx) => {
      const accounts = new AccountsRepository(tx);
      const owned = await accounts.lockAndCountOwned(userId);
      if (owned >= this.config.organizationsPerAccount) {
        throw new ProblemException(HttpStatus.FORBIDDEN, `This account owns ${owned} organizations, the most one account may own (${this.config.organizationsPerAccount}).`, {
          slug: 'quota-exceeded',
          title: 'Quota exceeded',
          errors: [{ field: 'quota.organizations', message: `${owned} of ${this.config.organizationsPerAccount} owned` }],
        });
      }
      const org = await accounts.insertOrganization(name);
      await accounts.insertMembership({ userId, organizationId: org.id, role: 'owner' });
      await this.audit.record(p, 'organization.create', { type: 'organization', id: org.id, organizationId: org.id }, { name }, tx);
      return { id: org.id, name: org.name, role: 'owner', current: false };
    });
  }

  /** Points the caller's session at another organization the user belongs to. */
  async switchOrganization(p: Principal, organizationId: string): Promise<MeDto> {
    const userId = this.sessionUser(p, 'Switch organizations while logged in (a session); an API key belongs to one organization.');
    const accounts = new AccountsRepository(this.ds.manager);
    const membership = (await accounts.memberships(userId)).find((m) => m.id === organizationId);
    // Not a member and no such organization answer alike (no probing of other tenants' ids).
    if (!membership) throw problems.field(404, 'organization_id', 'is not an organization of this account', 'not-found');
    await accounts.setSessionOrganization(p.credentialId, organizationId);
    return this.me({ ...p, organizationId, role: p.role === 'operator' ? 'operator' : membership.role });
  }

  private sessionUser(p: Principal, message: string): string {
    if (p.credential !== 'session' || !p.userId) throw problems.forbidden(message);
    return p.userId;
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
