import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A person who logs in. Email is stored lower-cased; a unique index on lower(email) backs it up. */
@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') email!: string;
  /** argon2id hash of the password. */
  @Column('text') passwordHash!: string;
  /** Platform operator: set only by the create-operator command or the demo seed, never by signup. */
  @Column('boolean', { default: false }) isOperator!: boolean;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
