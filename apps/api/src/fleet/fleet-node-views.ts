import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { fleetNodeViews, type FleetNodeView } from '@anyfront/db';
import { DataSource } from 'typeorm';

export type { FleetNodeView } from '@anyfront/db';

/** Each edge node's fleet state as operators see it (shared by /v1/admin/fleet and /v1/admin/edge-nodes). */
@Injectable()
export class FleetNodeViews {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  views(ids: string[]): Promise<FleetNodeView[]> {
    return fleetNodeViews(this.ds, ids);
  }
}
