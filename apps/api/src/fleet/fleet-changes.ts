import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type JobRequest } from '@anyfront/contracts';
import { type FleetChange, OutboxRepository, recordFleetChange } from '@anyfront/db';
import { AppConfig } from '../config';

/**
 * The API's side effects go through the transactional outbox, inside the write's transaction:
 *   await this.ds.transaction(async (tx) => { ...write...; await this.fleet.record(tx, { serviceIds: [id] }); });
 * `record` marks the affected edge nodes out of date (deploy status `deploying` from the commit on)
 * and queues one fleet-sync job per node; `enqueue` queues any other job. The worker's outbox relay
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

  enqueue(tx: EntityManager, ...requests: JobRequest[]): Promise<void> {
    return new OutboxRepository(tx, this.config.queuePrefix).add(requests);
  }
}
