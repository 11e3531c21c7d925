import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_QUOTA, QUOTA_DESCRIPTIONS } from '@anyfront/domain';

export class QuotaDto {
  @ApiProperty({ type: 'integer', description: 'The most the organization may hold' }) limit!: number;
  @ApiProperty({ type: 'integer', description: 'What it holds now (backends_per_service: its fullest service)' }) used!: number;
  @ApiProperty({ enum: ['default', 'plan', 'override'], description: "Where the limit comes from: the deployment's default, the billing plan, or an operator's override" })
  source!: 'default' | 'plan' | 'override';
}

export class QuotaSetDto {
  @ApiProperty({ type: QuotaDto, description: QUOTA_DESCRIPTIONS.services }) services!: QuotaDto;
  @ApiProperty({ type: QuotaDto, description: QUOTA_DESCRIPTIONS.ipv4_addresses }) ipv4_addresses!: QuotaDto;
  @ApiProperty({ type: QuotaDto, description: QUOTA_DESCRIPTIONS.backends_per_service }) backends_per_service!: QuotaDto;
  @ApiProperty({ type: QuotaDto, description: QUOTA_DESCRIPTIONS.backends_per_organization }) backends_per_organization!: QuotaDto;
  @ApiProperty({ type: QuotaDto, description: QUOTA_DESCRIPTIONS.api_keys }) api_keys!: QuotaDto;
}

export class OrganizationQuotasDto {
  @ApiProperty({ format: 'uuid' }) organization_id!: string;
  @ApiProperty({ type: QuotaSetDto }) quotas!: QuotaSetDto;
}

const limit = (what: string) =>
  ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_QUOTA, nullable: true, description: `Override for ${what}; null returns to the default` });

/** Operator: override some quotas of one organization (omitted fields keep their value). */
export class UpdateQuotasDto {
  @limit(QUOTA_DESCRIPTIONS.services) @IsOptional() @IsInt() @Min(0) @Max(MAX_QUOTA) services?: number | null;
  @limit(QUOTA_DESCRIPTIONS.ipv4_addresses) @IsOptional() @IsInt() @Min(0) @Max(MAX_QUOTA) ipv4_addresses?: number | null;
  @limit(QUOTA_DESCRIPTIONS.backends_per_service) @IsOptional() @IsInt() @Min(0) @Max(MAX_QUOTA) backends_per_service?: number | null;
  @limit(QUOTA_DESCRIPTIONS.backends_per_organization) @IsOptional() @IsInt() @Min(0) @Max(MAX_QUOTA) backends_per_organization?: number | null;
  @limit(QUOTA_DESCRIPTIONS.api_keys) @IsOptional() @IsInt() @Min(0) @Max(MAX_QUOTA) api_keys?: number | null;
}
