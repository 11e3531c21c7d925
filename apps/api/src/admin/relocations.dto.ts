import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsIP, IsISO8601, IsNumber, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PageQueryDto } from '../common/pagination';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
export const RELOCATION_SCOPES = ['address', 'service', 'pool'] as const;
export const RELOCATION_STATUSES = ['notice', 'completed'] as const;
export const MOVE_STATES = ['notice', 'released'] as const;

export class CreateRelocationDto {
  @ApiPropertyOptional({ example: '192.0.2.37', description: 'Move this one assigned address. Give exactly one of `address`, `service_id`, `pool_id` (or `service_id` with `pool_id`: that service\'s address in that pool).' })
  @IsOptional()
  @IsIP(undefined, { message: 'must be an IPv4 or IPv6 address' })
  address?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "Move this service's address (with `pool_id`: its address in that pool; without: its only IPv4 address outside the target pool)" })
  @IsOptional()
  @IsUUID('all', { message: 'must be a service id (UUID)' })
  service_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "Move every tenant address of this pool (e.g. to retire the prefix); with `service_id`, only that service's" })
  @IsOptional()
  @IsUUID('all', { message: 'must be a pool id (UUID)' })
  pool_id?: string;

  @ApiProperty({ format: 'uuid', description: 'The IPv4 pool the new addresses come from (active, global)' })
  @IsUUID('all', { message: 'must be a pool id (UUID)' })
  target_pool_id!: string;

  @ApiPropertyOptional({ minimum: 0.0001, maximum: 365, description: 'Days both addresses are announced before the old one is released (default RELOCATION_NOTICE_DAYS, 7). Fractions allowed.' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number of days' })
  @Min(0.0001, { message: 'must be more than 0 days (shorten a relocation to release at once)' })
  @Max(365, { message: 'must be at most 365 days' })
  notice_days?: number;

  @ApiProperty({ example: 'Prefix 192.0.2.0/24 is returned to the upstream', description: 'Why; shown to the tenants in their notice' })
  @Transform(trim)
  @IsString()
  @MinLength(3, { message: 'must say why, in at least 3 characters (tenants see it)' })
  @MaxLength(500)
  reason!: string;
}

export class ShortenRelocationDto {
  @ApiProperty({ format: 'date-time', description: 'The new end of the notice; earlier than the current one. A time in the past ends it now.' })
  @IsISO8601({ strict: true }, { message: 'must be a date-time such as 2026-12-02T12:00:00Z' })
  notice_ends_at!: string;

  @ApiProperty({ description: 'Why the notice is shortened (audit log)' })
  @Transform(trim)
  @IsString()
  @MinLength(3, { message: 'must say why, in at least 3 characters' })
  @MaxLength(500)
  reason!: string;
}

export class RelocationListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: RELOCATION_STATUSES })
  @IsOptional()
  @IsIn(RELOCATION_STATUSES, { message: `must be one of: ${RELOCATION_STATUSES.join(', ')}` })
  status?: (typeof RELOCATION_STATUSES)[number];
}

export class RelocationPoolRefDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: '198.51.100.0/24' }) prefix!: string;
}

export class RelocationSourceDto {
  @ApiProperty({ type: String, nullable: true }) address!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) service_id!: string | null;
  @ApiProperty({ type: RelocationPoolRefDto, nullable: true }) pool!: RelocationPoolRefDto | null;
}

export class RelocationProgressDto {
  @ApiProperty({ description: 'Addresses moved (each got its new address when the relocation was created)' }) moves!: number;
  @ApiProperty({ description: 'Old addresses released into quarantine' }) released!: number;
}

export class RelocationMoveDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) organization_id!: string;
  @ApiProperty() organization_name!: string;
  @ApiProperty({ format: 'uuid' }) service_id!: string;
  @ApiProperty() service_name!: string;
  @ApiProperty() old_address!: string;
  @ApiProperty() new_address!: string;
  @ApiProperty({ enum: MOVE_STATES, description: 'notice: both addresses announced; released: the old one is quarantined' }) state!: (typeof MOVE_STATES)[number];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) released_at!: string | null;
}

export class RelocationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: RELOCATION_SCOPES }) scope!: (typeof RELOCATION_SCOPES)[number];
  @ApiProperty({ type: RelocationSourceDto }) source!: RelocationSourceDto;
  @ApiProperty({ type: RelocationPoolRefDto }) target_pool!: RelocationPoolRefDto;
  @ApiProperty() reason!: string;
  @ApiProperty({ format: 'date-time', description: 'When the old addresses are released' }) notice_ends_at!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Why an operator shortened the notice' }) shortened_reason!: string | null;
  @ApiProperty({ enum: RELOCATION_STATUSES, description: 'notice: old and new addresses both announced; completed: old ones released' }) status!: (typeof RELOCATION_STATUSES)[number];
  @ApiProperty({ type: RelocationProgressDto }) progress!: RelocationProgressDto;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) created_by!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completed_at!: string | null;
}

export class RelocationDetailDto extends RelocationDto {
  @ApiProperty({ type: [RelocationMoveDto] }) moves!: RelocationMoveDto[];
}
