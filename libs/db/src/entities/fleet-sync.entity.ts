import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** The single fleet-wide settings row (id = 1): the Maglev hash seed every edge uses. */
@Entity('fleet_settings')
export class FleetSettings {
  @PrimaryColumn('smallint') id!: number;
  /** uint32; bigint column because Postgres has no unsigned int. */
  @Column('bigint') hashSeed!: string;
  @Column('timestamptz') createdAt!: Date;
}

/** One-time token an operator hands to a new edge node; stored as a sha256 hash, consumed by registration. */
@Entity('edge_node_bootstrap_tokens')
export class EdgeNodeBootstrapToken {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') edgeNodeId!: string;
  @Column('text') tokenHash!: string;
  @Column('timestamptz') expiresAt!: Date;
  @Column('timestamptz', { nullable: true }) consumedAt!: Date | null;
  @Column('uuid', { nullable: true }) createdBy!: string | null;
  @Column('timestamptz') createdAt!: Date;
}

/** Long-lived credential of an edge node's agent (sha256 of the secret); revocable. */
@Entity('edge_node_credentials')
export class EdgeNodeCredential {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') edgeNodeId!: string;
  @Column('text') secretHash!: string;
  @Column('timestamptz') createdAt!: Date;
  @Column('timestamptz', { nullable: true }) revokedAt!: Date | null;
  @Column('timestamptz', { nullable: true }) lastUsedAt!: Date | null;
}

/** Control-plane view of one edge node: push endpoint, drain, desired and applied generation, last report. */
@Entity('edge_node_fleet_states')
export class EdgeNodeFleetState {
  @PrimaryColumn('uuid') edgeNodeId!: string;
  @Column('text', { nullable: true }) pushUrl!: string | null;
  @Column('text', { nullable: true }) pushToken!: string | null;
  @Column('timestamptz', { nullable: true }) registeredAt!: Date | null;
  @Column('boolean') drained!: boolean;
  @Column('bigint') generation!: string;
  @Column('text', { nullable: true }) stateHash!: string | null;
  @Column('jsonb', { nullable: true }) desiredState!: unknown;
  @Column('timestamptz', { nullable: true }) computedAt!: Date | null;
  @Column('bigint') requestedSeq!: string;
  @Column('bigint') syncedSeq!: string;
  @Column('bigint') pushedGeneration!: string;
  @Column('timestamptz', { nullable: true }) lastPushAt!: Date | null;
  @Column('text', { nullable: true }) lastPushError!: string | null;
  @Column('bigint') appliedGeneration!: string;
  @Column('timestamptz', { nullable: true }) appliedAt!: Date | null;
  @Column('boolean', { nullable: true }) announced!: boolean | null;
  @Column('boolean', { nullable: true }) agentDrained!: boolean | null;
  @Column('boolean', { nullable: true }) programmed!: boolean | null;
  @Column('text', { nullable: true }) lastError!: string | null;
  @Column('timestamptz', { nullable: true }) lastHeartbeatAt!: Date | null;
  /** Kernel capabilities the agent probed at start (reported with its heartbeat); null until reported. */
  @Column('jsonb', { nullable: true }) capabilities!: Record<string, boolean> | null;
  /** Services of the applied generation the node skipped: [{ id, reason }]. */
  @Column('jsonb') failedServices!: { id: string; reason: string }[];
}

/** Operator drain of a whole PoP. */
@Entity('pop_fleet_states')
export class PopFleetState {
  @PrimaryColumn('uuid') popId!: string;
  @Column('boolean') drained!: boolean;
  @Column('timestamptz') updatedAt!: Date;
}

/** Generation at which a service's part of a node's desired state last changed. */
@Entity('edge_node_service_generations')
export class EdgeNodeServiceGeneration {
  @PrimaryColumn('uuid') edgeNodeId!: string;
  @PrimaryColumn('uuid') serviceId!: string;
  @Column('bigint') generation!: string;
  @Column('text') contentHash!: string;
}

/** Latest health of one backend as seen from one edge node. */
@Entity('edge_node_backend_health')
export class EdgeNodeBackendHealth {
  @PrimaryColumn('uuid') edgeNodeId!: string;
  @PrimaryColumn('uuid') backendId!: string;
  @Column('uuid') serviceId!: string;
  @Column('boolean') healthy!: boolean;
  @Column('timestamptz') reportedAt!: Date;
}
