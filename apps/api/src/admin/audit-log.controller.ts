import { Controller, Get, Query } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { AUDIT_ACTOR_CREDENTIALS, type AuditActorCredential } from '@anyfront/contracts';
import { AuditLogRepository, type AuditLog } from '@anyfront/db';
import { IsISO8601, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { DataSource } from 'typeorm';
import { Roles } from '../auth/decorators';
import { ApiOperatorAuth, ApiProblems, ApiSummary } from '../common/openapi';
import { ApiPageResponse, Page, PageQueryDto, pageRequest, toPage } from '../common/pagination';

export class AuditLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'must be an organization id (UUID)' })
  organization_id?: string;

  @ApiPropertyOptional({ example: 'pool.create' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ example: 'pool' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  target_type?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  target_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only what this user did' })
  @IsOptional()
  @IsUUID('all', { message: 'must be a user id (UUID)' })
  actor_user_id?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only entries at or after this instant' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date-time' })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only entries before this instant' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date-time' })
  until?: string;
}

export class AuditLogEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ nullable: true, type: String }) actor_user_id!: string | null;
  @ApiProperty({ enum: AUDIT_ACTOR_CREDENTIALS }) actor_credential!: AuditActorCredential;
  @ApiProperty({ nullable: true, type: String }) credential_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) organization_id!: string | null;
  @ApiProperty() action!: string;
  @ApiProperty() target_type!: string;
  @ApiProperty({ nullable: true, type: String }) target_id!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
}

function toDto(e: AuditLog): AuditLogEntryDto {
  return {
    id: e.id,
    created_at: e.createdAt.toISOString(),
    actor_user_id: e.actorUserId,
    actor_credential: e.actorCredential,
    credential_id: e.credentialId,
    organization_id: e.organizationId,
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    details: e.details,
  };
}

/** Who changed what, oldest first (page with the cursor), filterable. */
@ApiTags('admin')
@ApiOperatorAuth()
@Roles('operator')
@Controller('v1/admin/audit-log')
export class AuditLogController {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  @Get()
  @ApiSummary('List audit log entries (who changed what), oldest first, filterable')
  @ApiProblems(400)
  @ApiPageResponse(AuditLogEntryDto)
  async list(@Query() q: AuditLogQueryDto): Promise<Page<AuditLogEntryDto>> {
    const filter = { organizationId: q.organization_id, action: q.action, targetType: q.target_type, targetId: q.target_id, actorUserId: q.actor_user_id, since: q.since, until: q.until };
    return toPage(await new AuditLogRepository(this.ds.manager).page(filter, pageRequest(q)), toDto);
  }
}
