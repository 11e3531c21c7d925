import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Organization } from './organization.entity';

export type ServiceStatus = 'pending' | 'active' | 'waiting_for_capacity' | 'failed' | 'deleting' | 'deleted';
export type HashMode = 'five_tuple' | 'client_ip';
export type ServiceEncapsulation = 'srv6' | 'ipip' | 'ip6ip6' | 'gue';

export interface ServiceListener {
  protocol: 'tcp' | 'udp';
  /** "443" or "8000-8100". */
  ports: string;
}

export interface ServiceHealthCheck {
  protocol: 'tcp' | 'http';
  port: number;
  path: string | null;
  interval_seconds: number;
  timeout_seconds: number;
  healthy_threshold: number;
  unhealthy_threshold: number;
}

/** A tenant's anycast service: listeners, how flows are hashed and tunnelled, and its lifecycle state. */
@Entity('services')
export class Service {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') organizationId!: string;
  /** Unique per organization (case-insensitive) among services not deleted. */
  @Column('text') name!: string;
  @Column('jsonb') listeners!: ServiceListener[];
  @Column('text', { default: 'five_tuple' }) hashMode!: HashMode;
  @Column('text', { default: 'srv6' }) encapsulation!: ServiceEncapsulation;
  @Column('jsonb') healthCheck!: ServiceHealthCheck;
  @Column('text', { default: 'pending' }) status!: ServiceStatus;
  /** Why the service is not active (e.g. which pools are full). */
  @Column('text', { nullable: true }) statusReason!: string | null;
  /** High-water Maglev table size: grows with the backend count, never shrinks (a new M moves every flow). */
  @Column('int', { default: 0 }) maglevTableSize!: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
  @Column('timestamptz', { nullable: true }) deletedAt!: Date | null;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'organization_id' }) organization?: Organization;
}
