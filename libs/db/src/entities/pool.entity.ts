import { Column, CreateDateColumn, Entity, JoinTable, ManyToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { FleetState, IpFamily, PoolScope } from '@anyfront/contracts';
import { Pop } from './pop.entity';

/**
 * An announced prefix (IPv4 /24 or IPv6 /48). Every address of the pool is announced from the
 * same PoP set (pool_pops). Overlapping pools are refused by an exclusion constraint.
 */
@Entity('pools')
export class Pool {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** Canonical CIDR text, e.g. "192.0.2.0/24" (column type cidr). */
  @Column('cidr') prefix!: string;
  @Column('smallint') family!: IpFamily;
  @Column('text') scope!: PoolScope;
  /** Set when scope is regional. */
  @Column('text', { nullable: true }) region!: string | null;
  @Column('text', { default: 'active' }) state!: FleetState;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;

  @ManyToMany(() => Pop)
  @JoinTable({ name: 'pool_pops', joinColumn: { name: 'pool_id' }, inverseJoinColumn: { name: 'pop_id' } })
  pops?: Pop[];
}
