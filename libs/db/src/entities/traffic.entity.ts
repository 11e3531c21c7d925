import type { TrafficSampleKind } from '@anyfront/contracts';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** One agent traffic report; (edge node, sequence) is the primary key, so a replay counts once. */
@Entity('traffic_reports')
export class TrafficReport {
  @PrimaryColumn('uuid') edgeNodeId!: string;
  @PrimaryColumn('bigint') sequence!: string;
  @Column('timestamptz') intervalStart!: Date;
  @Column('integer') intervalSeconds!: number;
  @Column('timestamptz') receivedAt!: Date;
}

/** A counter delta of one anycast address or one backend in one report interval (raw; pruned after retention). */
@Entity('traffic_samples')
export class TrafficSample {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('uuid') edgeNodeId!: string;
  @Column('bigint') sequence!: string;
  @Column('uuid') popId!: string;
  @Column('timestamptz') intervalStart!: Date;
  @Column('text') kind!: TrafficSampleKind;
  @Column('inet', { nullable: true }) address!: string | null;
  @Column('uuid', { nullable: true }) backendId!: string | null;
  @Column('uuid', { nullable: true }) serviceId!: string | null;
  @Column('uuid', { nullable: true }) organizationId!: string | null;
  @Column('bigint') bytes!: string;
  @Column('bigint') packets!: string;
  @Column('timestamptz') receivedAt!: Date;
}

/** An hour with raw samples not yet rolled up. */
@Entity('traffic_dirty_hours')
export class TrafficDirtyHour {
  @PrimaryColumn('timestamptz') hour!: Date;
  @Column('timestamptz') touchedAt!: Date;
}

/** Hourly roll-up per service and PoP (kept indefinitely). */
@Entity('traffic_hourly')
export class TrafficHourly {
  @PrimaryColumn('timestamptz') hour!: Date;
  @PrimaryColumn('uuid') serviceId!: string;
  @PrimaryColumn('uuid') popId!: string;
  @Column('uuid') organizationId!: string;
  @Column('bigint') bytes!: string;
  @Column('bigint') packets!: string;
  @Column('timestamptz') updatedAt!: Date;
}

/** Hourly usage per organization (kept indefinitely; the billing input). */
@Entity('organization_usage_hourly')
export class OrganizationUsageHourly {
  @PrimaryColumn('uuid') organizationId!: string;
  @PrimaryColumn('timestamptz') hour!: Date;
  @Column('bigint') bytes!: string;
  @Column('bigint') packets!: string;
  @Column('timestamptz') updatedAt!: Date;
}
