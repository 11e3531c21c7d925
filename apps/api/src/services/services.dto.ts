import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ENCAPSULATIONS, HEALTH_CHECK_LIMITS, HEALTH_CHECK_PROTOCOLS, LISTENER_PROTOCOLS, MAX_LISTENERS } from '@anyfront/domain';

export const HASH_MODES = ['five_tuple', 'client_ip'] as const;
export const SERVICE_STATUSES = ['pending', 'active', 'waiting_for_capacity', 'failed', 'deleting', 'deleted'] as const;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;
const NAME_MSG = 'must be 1-100 characters: letters, digits, spaces, ".", "_" or "-", starting with a letter or digit';

export class ListenerDto {
  @ApiProperty({ enum: LISTENER_PROTOCOLS, example: 'tcp' })
  @IsIn(LISTENER_PROTOCOLS, { message: 'must be "tcp" or "udp"' })
  protocol!: (typeof LISTENER_PROTOCOLS)[number];

  @ApiProperty({ example: '443', description: 'One port ("443") or an inclusive range ("8000-8100"), 1-65535' })
  @IsString({ message: 'must be a string such as "443" or "8000-8100"' })
  @MaxLength(11)
  ports!: string;
}

const range = (key: keyof typeof HEALTH_CHECK_LIMITS) => ({ min: HEALTH_CHECK_LIMITS[key][0], max: HEALTH_CHECK_LIMITS[key][1] });

export class HealthCheckInputDto {
  @ApiPropertyOptional({ enum: HEALTH_CHECK_PROTOCOLS, default: 'tcp' })
  @IsOptional()
  @IsIn(HEALTH_CHECK_PROTOCOLS, { message: 'must be "tcp" or "http"' })
  protocol?: (typeof HEALTH_CHECK_PROTOCOLS)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: 65535, description: "Backend port to probe; defaults to the first TCP listener's first port" })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number;

  @ApiPropertyOptional({ example: '/healthz', description: 'HTTP only; defaults to "/"' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  path?: string;

  @ApiPropertyOptional({ ...range('interval_seconds'), default: 10 })
  @IsOptional()
  @IsInt()
  @Min(HEALTH_CHECK_LIMITS.interval_seconds[0])
  @Max(HEALTH_CHECK_LIMITS.interval_seconds[1])
  interval_seconds?: number;

  @ApiPropertyOptional({ ...range('timeout_seconds'), default: 5, description: 'Must be shorter than interval_seconds' })
  @IsOptional()
  @IsInt()
  @Min(HEALTH_CHECK_LIMITS.timeout_seconds[0])
  @Max(HEALTH_CHECK_LIMITS.timeout_seconds[1])
  timeout_seconds?: number;

  @ApiPropertyOptional({ ...range('healthy_threshold'), default: 3 })
  @IsOptional()
  @IsInt()
  @Min(HEALTH_CHECK_LIMITS.healthy_threshold[0])
  @Max(HEALTH_CHECK_LIMITS.healthy_threshold[1])
  healthy_threshold?: number;

  @ApiPropertyOptional({ ...range('unhealthy_threshold'), default: 3 })
  @IsOptional()
  @IsInt()
  @Min(HEALTH_CHECK_LIMITS.unhealthy_threshold[0])
  @Max(HEALTH_CHECK_LIMITS.unhealthy_threshold[1])
  unhealthy_threshold?: number;
}

export class CreateServiceDto {
  @ApiProperty({ example: 'web', description: 'Unique within the organization (case-insensitive)' })
  @Transform(trim)
  @IsString()
  @Matches(NAME, { message: NAME_MSG })
  name!: string;

  @ApiProperty({ type: [ListenerDto], description: 'Protocol and ports clients connect to; ranges of one protocol must not overlap' })
  @IsArray({ message: 'must be a list such as [{"protocol": "tcp", "ports": "443"}]' })
  @ArrayMaxSize(MAX_LISTENERS)
  @ValidateNested({ each: true })
  @Type(() => ListenerDto)
  listeners!: ListenerDto[];

  @ApiPropertyOptional({ enum: HASH_MODES, default: 'five_tuple', description: 'client_ip keeps a client on one backend (affinity)' })
  @IsOptional()
  @IsIn(HASH_MODES, { message: 'must be "five_tuple" or "client_ip"' })
  hash_mode?: (typeof HASH_MODES)[number];

  @ApiPropertyOptional({
    enum: ENCAPSULATIONS,
    default: 'srv6',
    description: 'How edges tunnel packets to backends: srv6 and ip6ip6 need IPv6 backend addresses, ipip and gue IPv4 ones',
  })
  @IsOptional()
  @IsIn(ENCAPSULATIONS, { message: 'must be one of "srv6", "ipip", "ip6ip6", "gue"' })
  encapsulation?: (typeof ENCAPSULATIONS)[number];

  @ApiPropertyOptional({ type: HealthCheckInputDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => HealthCheckInputDto)
  health_check?: HealthCheckInputDto;
}

export class UpdateServiceDto {
  @ApiPropertyOptional({ example: 'web' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Matches(NAME, { message: NAME_MSG })
  name?: string;

  @ApiPropertyOptional({ type: [ListenerDto] })
  @IsOptional()
  @IsArray({ message: 'must be a list such as [{"protocol": "tcp", "ports": "443"}]' })
  @ArrayMaxSize(MAX_LISTENERS)
  @ValidateNested({ each: true })
  @Type(() => ListenerDto)
  listeners?: ListenerDto[];

  @ApiPropertyOptional({ enum: HASH_MODES })
  @IsOptional()
  @IsIn(HASH_MODES, { message: 'must be "five_tuple" or "client_ip"' })
  hash_mode?: (typeof HASH_MODES)[number];

  @ApiPropertyOptional({ enum: ENCAPSULATIONS, description: 'Refused while backends of the other address family exist' })
  @IsOptional()
  @IsIn(ENCAPSULATIONS, { message: 'must be one of "srv6", "ipip", "ip6ip6", "gue"' })
  encapsulation?: (typeof ENCAPSULATIONS)[number];

  @ApiPropertyOptional({ type: HealthCheckInputDto, description: 'Fields given replace the current ones' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => HealthCheckInputDto)
  health_check?: HealthCheckInputDto;
}

// ---- responses

export class HealthCheckDto {
  @ApiProperty({ enum: HEALTH_CHECK_PROTOCOLS }) protocol!: string;
  @ApiProperty() port!: number;
  @ApiProperty({ type: String, nullable: true }) path!: string | null;
  @ApiProperty() interval_seconds!: number;
  @ApiProperty() timeout_seconds!: number;
  @ApiProperty() healthy_threshold!: number;
  @ApiProperty() unhealthy_threshold!: number;
}

export class ServiceAddressDto {
  @ApiProperty({ example: '192.0.2.17' }) address!: string;
  @ApiProperty({ enum: [4, 6] }) family!: number;
  @ApiProperty({ example: '192.0.2.0/24', description: 'The pool (announced prefix) the address belongs to' }) pool!: string;
  @ApiProperty({ format: 'uuid' }) pool_id!: string;
}

export class NodeDeploymentDto {
  @ApiProperty({ format: 'uuid' }) node_id!: string;
  @ApiProperty() node_name!: string;
  @ApiProperty({ enum: ['deploying', 'deployed'] }) status!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'Generation that carries the latest change of the service' }) required_generation!: number | null;
  @ApiProperty() applied_generation!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_heartbeat_at!: string | null;
}

export class PopDeploymentDto {
  @ApiProperty({ format: 'uuid' }) pop_id!: string;
  @ApiProperty() pop_code!: string;
  @ApiProperty({ enum: ['deploying', 'deployed'] }) status!: string;
  @ApiProperty({ type: [NodeDeploymentDto] }) nodes!: NodeDeploymentDto[];
}

export class ServiceDeploymentDto {
  @ApiProperty({
    enum: ['pending', 'deploying', 'deployed', 'no_edge_nodes'],
    description: 'deploying until every edge node that should serve the service applied its latest change, then deployed',
  })
  status!: string;
  @ApiProperty() edge_nodes!: number;
  @ApiProperty() edge_nodes_deployed!: number;
  @ApiProperty({ type: [PopDeploymentDto] }) pops!: PopDeploymentDto[];
}

export class ServiceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [ListenerDto] }) listeners!: ListenerDto[];
  @ApiProperty({ enum: HASH_MODES }) hash_mode!: string;
  @ApiProperty({ enum: ENCAPSULATIONS }) encapsulation!: string;
  @ApiProperty({ type: HealthCheckDto }) health_check!: HealthCheckDto;
  @ApiProperty({
    enum: SERVICE_STATUSES,
    description: 'pending until the worker assigns addresses, then active; waiting_for_capacity when the pools are full (see status_reason)',
  })
  status!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Why the service is not active' }) status_reason!: string | null;
  @ApiProperty({ type: [ServiceAddressDto], description: 'Anycast addresses: two IPv4 from different pools and one IPv6' })
  addresses!: ServiceAddressDto[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiPropertyOptional({ type: ServiceDeploymentDto, description: 'Deploy status on the edge fleet, per PoP (GET /v1/services/{id} only)' })
  deployment?: ServiceDeploymentDto;
}

