import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { Membership, User } from '@anyfront/db';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../common/audit.service';
import { IdParam } from '../common/id-param';
import { ApiProblems, ApiSummary, ApiTenantAuth } from '../common/openapi';
import { ApiPageResponse, Page, PageQueryDto, paginate } from '../common/pagination';
import { problems } from '../common/problem';
import { isUniqueViolation } from './accounts';
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
      let user: User;
      try {
        user = await tx.save(tx.create(User, { email: dto.email, passwordHash, isOperator: false }));
      } catch (err) {
        // Adding an existing account would hand its owner's identity to another organization.
        if (isUniqueViolation(err)) throw problems.conflict('An account with this email already exists; members are added as new accounts.', 'email', 'email-taken');
        throw err;
      }
      const m = await tx.save(tx.create(Membership, { userId: user.id, organizationId, role: dto.role }));
      await this.audit.record(p, 'member.create', { type: 'user', id: user.id }, { email: user.email, role: dto.role }, tx);
      return toDto({ ...m, user });
    });
  }

  @Get()
  @ApiSummary("List the organization's members")
  @ApiProblems(400)
  @ApiPageResponse(MemberDto)
  list(@Query() page: PageQueryDto, @OrganizationId() organizationId: string): Promise<Page<MemberDto>> {
    const qb = this.ds.getRepository(Membership).createQueryBuilder('m').innerJoinAndSelect('m.user', 'u').where('m.organization_id = :organizationId', { organizationId });
    return paginate(qb, page, toDto);
  }

  @Patch(':id')
  @Roles('owner', 'operator')
  @ApiSummary("Change a member's role", 'Owners only; the last owner cannot be demoted (409).')
  @ApiProblems(400, 404, 409)
  @ApiOkResponse({ type: MemberDto })
  update(@IdParam('id', 'member') userId: string, @Body() dto: UpdateMemberDto, @OrganizationId() organizationId: string, @CurrentPrincipal() p: Principal): Promise<MemberDto> {
    return this.ds.transaction(async (tx) => {
      const m = await this.lockMembership(tx, organizationId, userId);
      if (m.role === 'owner' && dto.role !== 'owner') await this.keepAnOwner(tx, organizationId);
      m.role = dto.role;
      await tx.save(m);
      await this.audit.record(p, 'member.update', { type: 'user', id: userId }, { role: dto.role }, tx);
      return toDto({ ...m, user: await tx.findOneByOrFail(User, { id: userId }) });
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
      const m = await this.lockMembership(tx, organizationId, userId);
      if (m.role === 'owner') await this.keepAnOwner(tx, organizationId);
      await tx.delete(Membership, { id: m.id });
      await tx.query('DELETE FROM sessions WHERE user_id = $1 AND organization_id = $2', [userId, organizationId]);
      // Their API keys go with them (issue 8: a removed owner's key created a new owner).
      const revoked: Array<{ id: string }> = await tx.query(
        `WITH r AS (UPDATE api_keys SET revoked_at = now() WHERE organization_id = $1 AND created_by = $2 AND revoked_at IS NULL RETURNING id, created_at)
         SELECT id FROM r ORDER BY created_at, id`,
        [organizationId, userId],
      );
      await this.audit.record(p, 'member.remove', { type: 'user', id: userId }, { revoked_api_keys: revoked.map((r) => r.id) }, tx);
    });
  }

  private async lockMembership(tx: EntityManager, organizationId: string, userId: string): Promise<Membership> {
    // Lock every owner row of the organization too, so two concurrent demotions cannot both pass keepAnOwner.
    await tx.query(`SELECT id FROM memberships WHERE organization_id = $1 AND role = 'owner' FOR UPDATE`, [organizationId]);
    const m = await tx.findOne(Membership, { where: { organizationId, userId }, lock: { mode: 'pessimistic_write' } });
    if (!m) throw problems.notFound('member', userId);
    return m;
  }

  private async keepAnOwner(tx: EntityManager, organizationId: string): Promise<void> {
    const [{ n }] = await tx.query(`SELECT count(*)::int AS n FROM memberships WHERE organization_id = $1 AND role = 'owner'`, [organizationId]);
    if (n <= 1) throw problems.conflict('This is the organization\'s last owner; make someone else an owner first.', undefined, 'last-owner');
  }
}
