import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { recordFleetChange } from '@anyfront/db';
import type { FleetChange } from '@anyfront/domain';
import { AppConfig } from '../config';

/**
 * A write that changes what edge nodes run records it inside its own transaction:
 *   await this.ds.transaction(async (tx) => { ...write...; await this.fleet.record(tx, { serviceIds: [id] }); });
 * `record` marks the affected edge nodes out of date (deploy status `deploying` from the commit on)
 * and puts one fleet-sync job per node into the transactional outbox (other jobs: `Outbox`). The worker's outbox relay
 * adds them to BullMQ after the commit, so a committed write never fails for Redis and a rolled-back
 * one causes no job.
 */
@Injectable()
export class FleetChanges {
  constructor(private readonly config: AppConfig) {}

  /** Returns the affected edge nodes. */
  record(tx: EntityManager, change: FleetChange): Promise<string[]> {
    return recordFleetChange(tx, this.config.queuePrefix, change);
  }
}
