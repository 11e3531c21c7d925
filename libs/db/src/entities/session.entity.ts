import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A portal login. Only a keyed hash of the cookie token is stored, never the token. */
@Entity('sessions')
export class Session {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') tokenHash!: string;
  @Column('uuid') userId!: string;
  /** The organization the session acts for (null for an operator without one). */
  @Column('uuid', { nullable: true }) organizationId!: string | null;
  @Column('timestamptz') expiresAt!: Date;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
