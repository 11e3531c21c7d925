import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One Idempotency-Key per credential scope. Inserted before the request runs (unique on
 * scope+key), so two concurrent requests with the same key cannot both create a resource.
 */
@Entity('idempotency_keys')
export class IdempotencyKey {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** e.g. "api_key:<id>" or "user:<id>:<organization id>". */
  @Column('text') scope!: string;
  @Column('text') key!: string;
  @Column('text') method!: string;
  @Column('text') path!: string;
  /** sha256 over method, path and the canonical JSON body. */
  @Column('text') requestHash!: string;
  /** Null while the first request is still running. */
  @Column('integer', { nullable: true }) responseStatus!: number | null;
  @Column('jsonb', { nullable: true }) responseBody!: unknown;
  @Column('jsonb', { nullable: true }) responseHeaders!: Record<string, string> | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { nullable: true }) completedAt!: Date | null;
}
