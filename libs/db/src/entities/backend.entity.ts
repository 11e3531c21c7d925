import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { IpFamily } from '@anyfront/contracts';
import { Service } from './service.entity';

/** A tenant's unicast server that the edge tunnels a service's flows to. */
@Entity('backends')
export class Backend {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') serviceId!: string;
  /** One global unicast address (inet /32 or /128), unique per service. */
  @Column('inet') address!: string;
  @Column('smallint') family!: IpFamily;
  /** 0..100; 0 drains the backend (no new flows). */
  @Column('smallint', { default: 100 }) weight!: number;
  @Column('text', { nullable: true }) region!: string | null;
  @Column('boolean', { default: true }) enabled!: boolean;
  /** Ownership proof the kit on the backend answers with (libs/domain backend-verification); made by the API. */
  @Column('text') verifyToken!: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;

  @ManyToOne(() => Service, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'service_id' }) service?: Service;
}
