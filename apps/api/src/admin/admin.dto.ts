import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { FLEET_STATES, IP_FAMILIES, oneOf, POOL_SCOPES, type FleetState, type IpFamily, type PoolScope } from '@anyfront/contracts';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const REGION = /^[a-z][a-z0-9-]{0,62}$/;
const REGION_MSG = 'must be a lower-case region name such as "eu-west" (letters, digits, dashes)';

// ---- PoPs

export class CreatePopDto {
  @ApiProperty({ example: 'ams', description: 'Short unique code (lower-case letters, digits, dashes)' })
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{1,15}$/, { message: 'must be 2-16 lower-case letters, digits or dashes, starting with a letter (e.g. "ams")' })
  code!: string;

  @ApiProperty({ example: 'Amsterdam' })
  @Transform(trim)
  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(100)
  name!: string;

  @ApiProperty({ example: 'eu-west' })
  @IsString()
  @Matches(REGION, { message: REGION_MSG })
  region!: string;
}

export class UpdatePopDto extends PartialType(CreatePopDto) {}

export class PopDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty() region!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

// ---- pools

export class CreatePoolDto {
  @ApiProperty({ example: '192.0.2.0/24', description: 'An IPv4 /24 or IPv6 /48, written as its network address' })
  @IsString()
  @MaxLength(64)
  prefix!: string;

  @ApiProperty({ enum: POOL_SCOPES, description: 'global: announced from every PoP of the set worldwide; regional: only inside `region`' })
  @IsIn(POOL_SCOPES, { message: oneOf(POOL_SCOPES) })
  scope!: PoolScope;

  @ApiPropertyOptional({ type: String, example: 'eu-west', nullable: true, description: 'Required for regional pools; must be absent or null for global ones' })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @IsString()
  @Matches(REGION, { message: REGION_MSG })
  region?: string | null;

  @ApiProperty({ type: [String], format: 'uuid', description: 'The PoPs that announce the pool (all of its addresses)' })
  @IsArray()
  @ArrayMinSize(1, { message: 'must name at least one PoP that announces the pool' })
  @ArrayMaxSize(500)
  @ArrayUnique({ message: 'must not name a PoP twice' })
  @IsUUID('all', { each: true, message: 'each entry must be a PoP id (UUID)' })
  pop_ids!: string[];

  @ApiPropertyOptional({ enum: FLEET_STATES, default: 'active', description: 'draining: keeps its addresses but gets no new ones; disabled: not announced' })
  @IsOptional()
  @IsIn(FLEET_STATES, { message: oneOf(FLEET_STATES) })
  state?: FleetState;
}

export class UpdatePoolDto {
  @ApiPropertyOptional({ enum: POOL_SCOPES })
  @IsOptional()
  @IsIn(POOL_SCOPES, { message: oneOf(POOL_SCOPES) })
  scope?: PoolScope;

  @ApiPropertyOptional({ type: String, nullable: true })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @IsString()
  @Matches(REGION, { message: REGION_MSG })
  region?: string | null;

  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'must name at least one PoP that announces the pool' })
  @ArrayMaxSize(500)
  @ArrayUnique({ message: 'must not name a PoP twice' })
  @IsUUID('all', { each: true, message: 'each entry must be a PoP id (UUID)' })
  pop_ids?: string[];

  @ApiPropertyOptional({ enum: FLEET_STATES })
  @IsOptional()
  @IsIn(FLEET_STATES, { message: oneOf(FLEET_STATES) })
  state?: FleetState;
}

export class PopRefDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() code!: string;
}

export class PoolUtilizationDto {
  @ApiProperty({ description: 'Addresses the pool can hand out (IPv4 /24: 254, .0 and .255 never; IPv6: the first /64\'s host ids, approximate as a JSON number)' })
  capacity!: number;
  @ApiProperty() assigned!: number;
  @ApiProperty({ description: 'Released addresses still in quarantine' }) quarantined!: number;
  @ApiProperty() free!: number;
}

export class PoolDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: '192.0.2.0/24' }) prefix!: string;
  @ApiProperty({ enum: IP_FAMILIES }) family!: IpFamily;
  @ApiProperty({ enum: POOL_SCOPES }) scope!: PoolScope;
  @ApiProperty({ nullable: true, type: String }) region!: string | null;
  @ApiProperty({ enum: FLEET_STATES }) state!: FleetState;
  @ApiProperty({ type: [String], format: 'uuid' }) pop_ids!: string[];
  @ApiProperty({ type: [PopRefDto] }) pops!: PopRefDto[];
  @ApiProperty({ type: PoolUtilizationDto }) utilization!: PoolUtilizationDto;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

// ---- edge nodes

export class CreateEdgeNodeDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'must be a PoP id (UUID)' })
  pop_id!: string;

  @ApiProperty({ example: 'ams-edge-1' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9.-]{0,62}$/, { message: 'must be 1-63 lower-case letters, digits, dots or dashes (e.g. "ams-edge-1")' })
  name!: string;

  @ApiPropertyOptional({ type: String, example: '198.51.100.10', nullable: true, description: 'Outer source address for tunnels over IPv4' })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @IsString()
  @MaxLength(64)
  tunnel_source_ipv4?: string | null;

  @ApiPropertyOptional({ type: String, example: '2001:db8:ff::10', nullable: true, description: 'Outer source address for tunnels over IPv6' })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @IsString()
  @MaxLength(64)
  tunnel_source_ipv6?: string | null;

  @ApiPropertyOptional({
    type: [String], example: ['203.0.113.130'], maxItems: 8,
    description: "Addresses the control plane may also reach the node's agent at (management network): the worker pushes desired states only to a push_url whose host is a tunnel source or one of these",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(8)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  management_addresses?: string[];

  @ApiPropertyOptional({ enum: FLEET_STATES, default: 'active' })
  @IsOptional()
  @IsIn(FLEET_STATES, { message: oneOf(FLEET_STATES) })
  state?: FleetState;
}

export class UpdateEdgeNodeDto extends PartialType(CreateEdgeNodeDto) {}

export class EdgeNodeFleetDto {
  @ApiProperty({ description: 'Whether an agent has registered with a bootstrap token' }) registered!: boolean;
  @ApiProperty({ description: 'Generation of the desired state computed for the node' }) desired_generation!: number;
  @ApiProperty({ description: 'Generation the agent last reported applied' }) applied_generation!: number;
  @ApiProperty({ description: 'Generations the node is behind (0 when up to date)' }) lag!: number;
  @ApiProperty({ description: 'A change is notified and not yet computed into the node state' }) sync_pending!: boolean;
  @ApiProperty({ description: 'Drained by an operator (node or its PoP): the agent withdraws its announcements' }) drained!: boolean;
  @ApiProperty({ type: Boolean, nullable: true, description: 'Whether the agent announces its pools (last report)' }) announced!: boolean | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_heartbeat_at!: string | null;
  @ApiProperty({ type: String, nullable: true }) last_error!: string | null;
  @ApiProperty({ description: "The PoP's canary (staged rollout): it takes every change before the PoP's other edges" }) canary!: boolean;
  @ApiProperty({ type: String, nullable: true, description: "As canary: why its newest verdict failed, which halts its PoP's rollout" }) canary_failed_reason!: string | null;
  @ApiProperty({ type: 'integer', description: "Changed services whose new content waits on this node for the PoP's canary" }) held_services!: number;
}

export class EdgeNodeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) pop_id!: string;
  @ApiProperty() pop_code!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) tunnel_source_ipv4!: string | null;
  @ApiProperty({ nullable: true, type: String }) tunnel_source_ipv6!: string | null;
  @ApiProperty({ type: [String], description: 'Management addresses (push_url hosts besides the tunnel sources)' }) management_addresses!: string[];
  @ApiProperty({ enum: FLEET_STATES }) state!: FleetState;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiPropertyOptional({ type: EdgeNodeFleetDto, description: 'Fleet sync state (GET only); controls live under /v1/admin/fleet' })
  fleet?: EdgeNodeFleetDto;
}
