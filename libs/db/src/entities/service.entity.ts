import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { DEFAULT_ENCAPSULATION, DEFAULT_HASH_MODE, type Encapsulation, type HashMode, type ServiceHealthCheck, type ServiceListener, type ServiceStatus } from '@anyfront/contracts';
import { Organization } from './organization.entity';

/** A tenant's anycast service: listeners, how flows are hashed and tunnelled, and its lifecycle state. */
@Entity('services')
export class Service {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') organizationId!: string;
  /** Unique per organization (case-insensitive) among services not deleted. */
  @Column('text') name!: string;
  @Column('jsonb') listeners!: ServiceListener[];
  @Column('text', { default: DEFAULT_HASH_MODE }) hashMode!: HashMode;
  @Column('text', { default: DEFAULT_ENCAPSULATION }) encapsulation!: Encapsulation;
  /** GUE's UDP destination port on the backends; set exactly when encapsulation is gue. */
  @Column('int', { nullable: true }) guePort!: number | null;
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
