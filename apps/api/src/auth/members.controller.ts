import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { AccountsRepository, ApiKeysRepository, isUniqueViolation, type Membership, type User } from '@anyfront/db';
import { DataSource } from 'typeorm';
import { AuditService } from '../common/audit.service';
import { IdParam } from '../common/id-param';
import { ApiProblems, ApiSummary, ApiTenantAuth } from '../common/openapi';
import { ApiPageResponse, Page, PageQueryDto, pageRequest, toPage } from '../common/pagination';
import { problems } from '../common/problem';
import { CurrentPrincipal, OrganizationId, Roles } from './decorators';
import { CreateMemberDto, MemberDto, UpdateMemberDto } from './members.dto';
import { hashPassword } from './passwords';
import type { Principal } from './principal';

function toDto(m: Membership): MemberDto {
  return { id: m.userId, email: m.user?.email ?? '', role: m.role, created_at: m.createdAt.toISOString() };
}

/**
 * The people of the caller's organization. Owners add members (a new account with an initial
 * password), change roles and remove them; the last owner cannot be removed or demoted.
 */
@ApiTags('members')
@ApiTenantAuth()
@Controller('v1/members')
export class MembersController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  @Post()
  @Roles('owner', 'operator')
  @ApiSummary('Add a member (a new account with an initial password)', 'Owners only.')
  @ApiProblems(400, 409)
  @ApiCreatedResponse({ type: MemberDto })
  async create(@Body() dto: CreateMemberDto, @OrganizationId() organizationId: string, @CurrentPrincipal() p: Principal): Promise<MemberDto> {
    const passwordHash = await hashPassword(dto.password);
    return this.ds.transaction(async (tx) => {
      const accounts = new AccountsRepository(tx);
      let user: User;
      try {
        user = await accounts.insertUser({ email: dto.email, passwordHash, isOperator: false });
      } catch (err) {
        // Adding an existing account would hand its owner's identity to another organization.
        if (isUniqueViolation(err)) throw problems.conflict('An account with this email already exists; members are added as new accounts.', 'email', 'email-taken');
        throw err;
      }
      const m = await accounts.insertMembership({ userId: user.id, organizationId, role: dto.role });
      await this.audit.record(p, 'member.create', { type: 'user', id: user.id }, { email: user.email, role: dto.role }, tx);
      return toDto({ ...m, user });
    });
  }

  @Get()
  @ApiSummary("List the organization's members")
  @ApiProblems(400)
  @ApiPageResponse(MemberDto)
  async list(@Query() page: PageQueryDto, @OrganizationId() organizationId: string): Promise<Page<MemberDto>> {
    return toPage(await new AccountsRepository(this.ds.manager).pageMembers(organizationId, pageRequest(page)), toDto);
  }

  @Patch(':id')
  @Roles('owner', 'operator')
  @ApiSummary("Change a member's role", 'Owners only; the last owner cannot be demoted (409).')
  @ApiProblems(400, 404, 409)
  @ApiOkResponse({ type: MemberDto })
  update(@IdParam('id', 'member') userId: string, @Body() dto: UpdateMemberDto, @OrganizationId() organizationId: string, @CurrentPrincipal() p: Principal): Promise<MemberDto> {
    return this.ds.transaction(async (tx) => {
      const accounts = new AccountsRepository(tx);
      const m = await this.lockMembership(accounts, organizationId, userId);
      if (m.role === 'owner' && dto.role !== 'owner') await this.keepAnOwner(accounts, organizationId);
      await accounts.setMembershipRole(m.id, dto.role);
      await this.audit.record(p, 'member.update', { type: 'user', id: userId }, { role: dto.role }, tx);
      const user = await accounts.findUser(userId);
      return { ...toDto(m), role: dto.role, email: user?.email ?? '' };
    });
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('owner', 'operator')
  @ApiSummary('Remove a member from the organization', 'Owners only; the last owner cannot be removed (409).')
  @ApiProblems(404, 409)
  @ApiNoContentResponse({ description: 'Removed from the organization; their sessions stop working and the API keys they created are revoked.' })
  async remove(@IdParam('id', 'member') userId: string, @OrganizationId() organizationId: string, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.ds.transaction(async (tx) => {
      const accounts = new AccountsRepository(tx);
      const m = await this.lockMembership(accounts, organizationId, userId);
      if (m.role === 'owner') await this.keepAnOwner(accounts, organizationId);
      await accounts.deleteMembership(m.id);
      await accounts.deleteSessions(userId, { organizationId });
      // Their API keys go with them (issue 8: a removed owner's key created a new owner).
      const revoked = await new ApiKeysRepository(tx).revokeCreatedBy(organizationId, userId);
      await this.audit.record(p, 'member.remove', { type: 'user', id: userId }, { revoked_api_keys: revoked }, tx);
    });
  }

  private async lockMembership(accounts: AccountsRepository, organizationId: string, userId: string): Promise<Membership> {
    const m = await accounts.lockMembership(organizationId, userId);
    if (!m) throw problems.notFound('member', userId);
    return m;
  }

  private async keepAnOwner(accounts: AccountsRepository, organizationId: string): Promise<void> {
    if ((await accounts.countOwners(organizationId)) <= 1) throw problems.conflict('This is the organization\'s last owner; make someone else an owner first.', undefined, 'last-owner');
  }
}
