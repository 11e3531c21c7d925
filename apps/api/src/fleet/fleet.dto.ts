import { ApiProperty } from '@nestjs/swagger';
import {
  BACKEND_HEALTH_STATES,
  FLEET_STATES,
  SERVICE_HEALTH_STATES,
  type BackendHealthState,
  type FleetState,
  type ServiceHealthState,
} from '@anyfront/contracts';
import type { BackendHealthSummary, PopBackendHealth, ServiceHealthSummary } from '@anyfront/domain';
import { ServiceDeploymentDto } from '../services/services.dto';
import type { FleetNodeView } from './fleet-node-views';

// Response bodies of the fleet routes. `implements` keeps each class in step with the shape the
// handler returns: a field added there and not here fails to compile.

/** One edge node's fleet state as operators see it. */
export class FleetNodeDto implements FleetNodeView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) pop_id!: string;
  @ApiProperty() pop_code!: string;
  @ApiProperty({ enum: FLEET_STATES, description: 'Admin state: draining withdraws like a drain, disabled serves nothing' }) state!: FleetState;
  @ApiProperty({ description: 'Whether an agent has registered with a bootstrap token' }) registered!: boolean;
  @ApiProperty({ description: 'Drained by an operator (this node)' }) drained!: boolean;
  @ApiProperty({ description: "Drained by an operator (the node's PoP)" }) pop_drained!: boolean;
  @ApiProperty({ type: 'integer', description: 'Generation of the desired state computed for the node' }) desired_generation!: number;
  @ApiProperty({ type: 'integer', description: 'Generation the agent last reported applied' }) applied_generation!: number;
  @ApiProperty({ type: 'integer', description: 'Generations the node is behind (0 when up to date)' }) lag!: number;
  @ApiProperty({ description: "A change is notified and not yet computed into the node's state" }) sync_pending!: boolean;
  @ApiProperty({ type: Boolean, nullable: true, description: 'Whether the agent announces its pools (last report)' }) announced!: boolean | null;
  @ApiProperty({ type: Boolean, nullable: true, description: 'Whether the agent reports itself drained (last report)' }) agent_drained!: boolean | null;
  @ApiProperty({ type: String, nullable: true, description: "The agent's last reported error" }) last_error!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why the last push to the agent failed' }) last_push_error!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_heartbeat_at!: string | null;
  @ApiProperty({ description: "The PoP's canary (staged rollout): it takes every change before the PoP's other edges" }) canary!: boolean;
  @ApiProperty({ type: 'integer', description: 'As canary: the newest generation it applied and judged healthy' }) canary_verified_generation!: number;
  @ApiProperty({ type: String, nullable: true, description: "As canary: why its newest verdict failed, which halts its PoP's rollout" }) canary_failed_reason!: string | null;
  @ApiProperty({ type: 'integer', description: "Changed services whose new content waits on this node for the PoP's canary" }) held_services!: number;
}

export class BootstrapTokenDto {
  @ApiProperty({ description: 'One-time token for POST /v1/agent/register; shown once', example: 'afb_...' }) token!: string;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
}

export class NodeCredentialDto {
  @ApiProperty({ description: 'The new node credential, shown once; the old one stopped working', example: 'afn_...' }) credential!: string;
}

export class RevokedCredentialsDto {
  @ApiProperty({ type: 'integer', description: 'Credentials and unused bootstrap tokens revoked' }) revoked!: number;
}

export class SyncEnqueuedDto {
  @ApiProperty() enqueued!: boolean;
}

export class PopDrainDto {
  @ApiProperty({ format: 'uuid' }) pop_id!: string;
  @ApiProperty() drained!: boolean;
  @ApiProperty({ type: 'integer', description: 'Edge nodes of the PoP that were told' }) edge_nodes!: number;
}

export class ServiceDeploymentStatusDto extends ServiceDeploymentDto {
  @ApiProperty({ format: 'uuid' }) service_id!: string;
}

export class PopBackendHealthDto implements PopBackendHealth {
  @ApiProperty({ format: 'uuid' }) pop_id!: string;
  @ApiProperty() pop_code!: string;
  @ApiProperty({ enum: BACKEND_HEALTH_STATES }) status!: BackendHealthState;
  @ApiProperty({ type: 'integer' }) healthy_nodes!: number;
  @ApiProperty({ type: 'integer' }) unhealthy_nodes!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Why an edge node of this PoP reports the backend unhealthy, e.g. "path MTU to backend below 1500: …" (its path drops full-size packets, so uploads would stall) or the failing health check; null when none does' })
  reason!: string | null;
}

export class BackendHealthDto implements BackendHealthSummary {
  @ApiProperty({ format: 'uuid' }) backend_id!: string;
  @ApiProperty() address!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ enum: BACKEND_HEALTH_STATES, description: 'healthy from every reporting PoP, unhealthy from every one, degraded in between, unknown without recent reports' })
  status!: BackendHealthState;
  @ApiProperty({ description: 'Reported down by every PoP that reports it (and by at least one)' }) down_everywhere!: boolean;
  @ApiProperty({ type: [PopBackendHealthDto] }) pops!: PopBackendHealthDto[];
}

export class ServiceHealthDto implements ServiceHealthSummary {
  @ApiProperty({ format: 'uuid' }) service_id!: string;
  @ApiProperty({ enum: SERVICE_HEALTH_STATES, description: 'down when no enabled backend is healthy anywhere; unknown without recent reports' })
  status!: ServiceHealthState;
  @ApiProperty({ type: [String], format: 'uuid', description: 'Backends no PoP can reach' }) backends_down_everywhere!: string[];
  @ApiProperty({ type: [BackendHealthDto] }) backends!: BackendHealthDto[];
}
