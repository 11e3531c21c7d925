import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Pool } from './pool.entity';
import type { AddressState, IpFamily } from '@anyfront/contracts';
import { Service } from './service.entity';

/**
 * A slot of a pool that has been handed out. Postgres guarantees the invariants: an address exists
 * once (UNIQUE address), a slot once per pool (UNIQUE pool_id, slot_index), a service holds at most
 * one address per pool and one IPv6 address, and no IPv4 .0/.255 is ever stored.
 * Deleting a service quarantines its rows until quarantined_until; only then may a row be reused.
 */
@Entity('anycast_addresses')
export class AnycastAddress {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') poolId!: string;
  /** Position of the address among the pool's slots (see libs/domain slotAddress). */
  @Column('bigint') slotIndex!: string;
  @Column('inet') address!: string;
  @Column('smallint') family!: IpFamily;
  /** Current holder while assigned; the last holder while quarantined. */
  @Column('uuid', { nullable: true }) serviceId!: string | null;
  @Column('text') state!: AddressState;
  @Column('timestamptz') assignedAt!: Date;
  @Column('timestamptz', { nullable: true }) quarantinedUntil!: Date | null;

  @ManyToOne(() => Pool, { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'pool_id' }) pool?: Pool;
  @ManyToOne(() => Service, { onDelete: 'SET NULL' }) @JoinColumn({ name: 'service_id' }) service?: Service;
}
