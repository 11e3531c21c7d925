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
import {
  DEFAULT_ENCAPSULATION,
  DEFAULT_GUE_PORT,
  DEFAULT_HASH_MODE,
  DEPLOY_STATUSES,
  ENCAPSULATION_BACKEND_FAMILIES,
  ENCAPSULATIONS,
  GUE_PORT_MAX,
  GUE_PORT_MIN,
  HASH_MODES,
  HEALTH_CHECK_PROTOCOLS,
  IP_FAMILIES,
  LISTENER_PROTOCOLS,
  NODE_DEPLOY_STATUSES,
  oneOf,
  SERVICE_STATUSES,
  type DeployStatus,
  type Encapsulation,
  type HashMode,
  type HealthCheckProtocol,
  type IpFamily,
  type ListenerProtocol,
  type NodeDeployStatus,
  type ServiceStatus,
} from '@anyfront/contracts';
import { HEALTH_CHECK_DEFAULTS, HEALTH_CHECK_LIMITS, MAX_LISTENERS, type NodeDeployment, type PopDeployment, type ServiceDeployment } from '@anyfront/domain';

/** "srv6 and ip6ip6: IPv6; ipip: IPv4; gue: IPv4 or IPv6", from the one rule in @anyfront/contracts. */
const BACKEND_FAMILY_RULE = ENCAPSULATIONS.map((e) => `${e}: ${ENCAPSULATION_BACKEND_FAMILIES[e].map((f) => `IPv${f}`).join(' or ')}`).join('; ');
const ENCAPSULATION_HELP = `How edges tunnel packets to backends; the backend address family each one reaches: ${BACKEND_FAMILY_RULE}.`;
const GUE_PORT_HELP =
  `gue only: the UDP port the backends receive GUE on (\`ip fou add port <gue_port> gue\`, the backend kit's --gue-port); ` +
  `${GUE_PORT_MIN}-${GUE_PORT_MAX}, not one of the service's UDP listener ports. Default ${DEFAULT_GUE_PORT} when the encapsulation becomes gue; null for other encapsulations.`;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;
const NAME_MSG = 'must be 1-100 characters: letters, digits, spaces, ".", "_" or "-", starting with a letter or digit';

export class ListenerDto {
  @ApiProperty({ enum: LISTENER_PROTOCOLS, example: 'tcp' })
  @IsIn(LISTENER_PROTOCOLS, { message: oneOf(LISTENER_PROTOCOLS) })
  protocol!: ListenerProtocol;

  @ApiProperty({ example: '443', description: 'One port ("443") or an inclusive range ("8000-8100"), 1-65535' })
  @IsString({ message: 'must be a string such as "443" or "8000-8100"' })
  @MaxLength(11)
  ports!: string;
}

const range = (key: keyof typeof HEALTH_CHECK_LIMITS) => ({ minimum: HEALTH_CHECK_LIMITS[key][0], maximum: HEALTH_CHECK_LIMITS[key][1], default: HEALTH_CHECK_DEFAULTS[key] });

export class HealthCheckInputDto {
  @ApiPropertyOptional({ enum: HEALTH_CHECK_PROTOCOLS, default: HEALTH_CHECK_DEFAULTS.protocol })
  @IsOptional()
  @IsIn(HEALTH_CHECK_PROTOCOLS, { message: oneOf(HEALTH_CHECK_PROTOCOLS) })
  protocol?: HealthCheckProtocol;

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

  @ApiPropertyOptional(range('interval_seconds'))
  @IsOptional()
  @IsInt()
  @Min(HEALTH_CHECK_LIMITS.interval_seconds[0])
  @Max(HEALTH_CHECK_LIMITS.interval_seconds[1])
  interval_seconds?: number;

  @ApiPropertyOptional({ ...range('timeout_seconds'), description: 'Must be shorter than interval_seconds' })
  @IsOptional()
  @IsInt()
  @Min(HEALTH_CHECK_LIMITS.timeout_seconds[0])
  @Max(HEALTH_CHECK_LIMITS.timeout_seconds[1])
  timeout_seconds?: number;

  @ApiPropertyOptional(range('healthy_threshold'))
  @IsOptional()
  @IsInt()
  @Min(HEALTH_CHECK_LIMITS.healthy_threshold[0])
  @Max(HEALTH_CHECK_LIMITS.healthy_threshold[1])
  healthy_threshold?: number;

  @ApiPropertyOptional(range('unhealthy_threshold'))
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

  @ApiPropertyOptional({ enum: HASH_MODES, default: DEFAULT_HASH_MODE, description: 'client_ip keeps a client on one backend (affinity)' })
  @IsOptional()
  @IsIn(HASH_MODES, { message: oneOf(HASH_MODES) })
  hash_mode?: HashMode;

  @ApiPropertyOptional({ enum: ENCAPSULATIONS, default: DEFAULT_ENCAPSULATION, description: ENCAPSULATION_HELP })
  @IsOptional()
  @IsIn(ENCAPSULATIONS, { message: oneOf(ENCAPSULATIONS) })
  encapsulation?: Encapsulation;

  @ApiPropertyOptional({ type: 'integer', minimum: GUE_PORT_MIN, maximum: GUE_PORT_MAX, example: DEFAULT_GUE_PORT, description: GUE_PORT_HELP })
  @IsOptional()
  @IsInt()
  @Min(GUE_PORT_MIN)
  @Max(GUE_PORT_MAX)
  gue_port?: number;

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
  @IsIn(HASH_MODES, { message: oneOf(HASH_MODES) })
  hash_mode?: HashMode;

  @ApiPropertyOptional({ enum: ENCAPSULATIONS, description: `${ENCAPSULATION_HELP} Refused (422) while backends of a family it cannot reach exist.` })
  @IsOptional()
  @IsIn(ENCAPSULATIONS, { message: oneOf(ENCAPSULATIONS) })
  encapsulation?: Encapsulation;

  @ApiPropertyOptional({ type: 'integer', minimum: GUE_PORT_MIN, maximum: GUE_PORT_MAX, example: DEFAULT_GUE_PORT, description: GUE_PORT_HELP })
  @IsOptional()
  @IsInt()
  @Min(GUE_PORT_MIN)
  @Max(GUE_PORT_MAX)
  gue_port?: number;

  @ApiPropertyOptional({ type: HealthCheckInputDto, description: 'Fields given replace the current ones' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => HealthCheckInputDto)
  health_check?: HealthCheckInputDto;
}

// ---- responses

export class HealthCheckDto {
  @ApiProperty({ enum: HEALTH_CHECK_PROTOCOLS }) protocol!: HealthCheckProtocol;
  @ApiProperty() port!: number;
  @ApiProperty({ type: String, nullable: true }) path!: string | null;
  @ApiProperty() interval_seconds!: number;
  @ApiProperty() timeout_seconds!: number;
  @ApiProperty() healthy_threshold!: number;
  @ApiProperty() unhealthy_threshold!: number;
}

export class ServiceAddressDto {
  @ApiProperty({ example: '192.0.2.17' }) address!: string;
  @ApiProperty({ enum: IP_FAMILIES }) family!: IpFamily;
  @ApiProperty({ example: '192.0.2.0/24', description: 'The pool (announced prefix) the address belongs to' }) pool!: string;
  @ApiProperty({ format: 'uuid' }) pool_id!: string;
}

const NODE_DEPLOY_HELP =
  'deploying until the edge node applied the service\'s latest change; waiting_for_verified_backend until the node verified one of the service\'s backends (the backend kit answered its ownership challenge with the backend\'s token: an unverified backend gets no traffic); waiting_for_healthy_backend until a verified backend passed the node\'s health checks (a request would fail before); then deployed; failed when the control plane left the service out of the edge node\'s state because the node cannot run it (reason says why; the node keeps serving everything else).';

export class NodeDeploymentDto implements NodeDeployment {
  @ApiProperty({ format: 'uuid' }) node_id!: string;
  @ApiProperty() node_name!: string;
  @ApiProperty({ enum: NODE_DEPLOY_STATUSES, description: NODE_DEPLOY_HELP }) status!: NodeDeployStatus;
  @ApiProperty({ type: Number, nullable: true, description: 'Generation that carries the latest change of the service' }) required_generation!: number | null;
  @ApiProperty() applied_generation!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_heartbeat_at!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why the service is not on this edge node (status failed), else null', example: 'backend c0000000-0000-4000-8000-000000000001 needs an IPv4 tunnel source, but the node has none' })
  reason!: string | null;
}

export class PopDeploymentDto implements PopDeployment {
  @ApiProperty({ format: 'uuid' }) pop_id!: string;
  @ApiProperty() pop_code!: string;
  @ApiProperty({ enum: NODE_DEPLOY_STATUSES, description: 'The worst status of its edge nodes' }) status!: NodeDeployStatus;
  @ApiProperty({ type: [NodeDeploymentDto] }) nodes!: NodeDeploymentDto[];
}

export class ServiceDeploymentDto implements ServiceDeployment {
  @ApiProperty({
    enum: DEPLOY_STATUSES,
    description:
      'pending until the service is active; no_edge_nodes when no registered edge node serves it; otherwise the worst of its PoPs: ' +
      NODE_DEPLOY_HELP,
  })
  status!: DeployStatus;
  @ApiProperty() edge_nodes!: number;
  @ApiProperty() edge_nodes_deployed!: number;
  @ApiProperty({ type: [PopDeploymentDto] }) pops!: PopDeploymentDto[];
}

export class ServiceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [ListenerDto] }) listeners!: ListenerDto[];
  @ApiProperty({ enum: HASH_MODES }) hash_mode!: HashMode;
  @ApiProperty({ enum: ENCAPSULATIONS, description: ENCAPSULATION_HELP }) encapsulation!: Encapsulation;
  @ApiProperty({ type: 'integer', nullable: true, description: GUE_PORT_HELP }) gue_port!: number | null;
  @ApiProperty({ type: HealthCheckDto }) health_check!: HealthCheckDto;
  @ApiProperty({
    enum: SERVICE_STATUSES,
    description:
      'pending until the worker assigns addresses, then active; waiting_for_capacity when the pools are full (see status_reason); ' +
      'deleting while the edges drop it; deleted. Whether the edges run it is `deployment.status`.',
  })
  status!: ServiceStatus;
  @ApiProperty({ type: String, nullable: true, description: 'Why the service is not active' }) status_reason!: string | null;
  @ApiProperty({ type: [ServiceAddressDto], description: 'Anycast addresses: two IPv4 from different pools and one IPv6' })
  addresses!: ServiceAddressDto[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiPropertyOptional({ type: ServiceDeploymentDto, description: 'Deploy status on the edge fleet, per PoP (GET /v1/services/{id} only)' })
  deployment?: ServiceDeploymentDto;
}

