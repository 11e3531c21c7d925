import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A tenant: owns services, API keys and memberships. */
@Entity('organizations')
export class Organization {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  /** Operator's per-organization quota overrides ({ services: 50, ... }); see effectiveQuotas in libs/domain. */
  @Column('jsonb', { default: {} }) quotaOverrides!: Record<string, number>;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
