import type { AuditActorCredential } from '@anyfront/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Who changed what, for operator and tenant writes. Append-only. */
@Entity('audit_log')
export class AuditLog {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('uuid', { nullable: true }) actorUserId!: string | null;
  @Column('text') actorCredential!: AuditActorCredential;
  @Column('uuid', { nullable: true }) credentialId!: string | null;
  @Column('uuid', { nullable: true }) organizationId!: string | null;
  /** e.g. "pool.create", "api_key.revoke". */
  @Column('text') action!: string;
  @Column('text') targetType!: string;
  @Column('text', { nullable: true }) targetId!: string | null;
  @Column('jsonb', { default: {} }) details!: Record<string, unknown>;
}
