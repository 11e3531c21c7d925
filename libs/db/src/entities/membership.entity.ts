import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from './organization.entity';
import type { OrganizationRole } from '@anyfront/contracts';
import { User } from './user.entity';

/** A user's role in one organization (unique per user and organization). */
@Entity('memberships')
export class Membership {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') userId!: string;
  @Column('uuid') organizationId!: string;
  @Column('text') role!: OrganizationRole;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;

  @ManyToOne(() => User, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'user_id' }) user?: User;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'organization_id' }) organization?: Organization;
}
