import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { OrganizationRole } from '@anyfront/contracts';

/** An organization's API credential. The secret is shown once; only its hash is stored. */
@Entity('api_keys')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') organizationId!: string;
  @Column('text') name!: string;
  /** First characters of the secret, shown in listings so a person can tell keys apart. */
  @Column('text') prefix!: string;
  /** sha256 of the full secret (high-entropy random secret, so a fast hash is enough and allows lookup). */
  @Column('text') secretHash!: string;
  /** Role the key acts with; never more than its creator had. */
  @Column('text') role!: OrganizationRole;
  @Column('uuid', { nullable: true }) createdBy!: string | null;
  @Column('timestamptz', { nullable: true }) lastUsedAt!: Date | null;
  @Column('timestamptz', { nullable: true }) revokedAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
