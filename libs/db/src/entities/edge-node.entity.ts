import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { FleetState } from '@anyfront/contracts';
import { Pop } from './pop.entity';

/** A machine in a PoP that forwards anycast traffic; its tunnel source addresses are the outer source. */
@Entity('edge_nodes')
export class EdgeNode {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') popId!: string;
  @Column('text') name!: string;
  @Column('inet', { nullable: true }) tunnelSourceIpv4!: string | null;
  @Column('inet', { nullable: true }) tunnelSourceIpv6!: string | null;
  /** Where the control plane may also reach the agent (push), besides the tunnel sources. */
  @Column('inet', { array: true, default: () => "'{}'" }) managementAddresses!: string[];
  @Column('text', { default: 'active' }) state!: FleetState;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;

  @ManyToOne(() => Pop, { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'pop_id' }) pop?: Pop;
}
