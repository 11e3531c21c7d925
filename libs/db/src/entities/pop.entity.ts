import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** Point of presence: a site with edge nodes that announces pools. */
@Entity('pops')
export class Pop {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** Short unique code, e.g. "ams". */
  @Column('text') code!: string;
  @Column('text') name!: string;
  @Column('text') region!: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
