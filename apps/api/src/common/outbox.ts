import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { JobRequest } from '@anyfront/contracts';
import { OutboxRepository } from '@anyfront/db';
import { AppConfig } from '../config';

/**
 * The API's only way to cause a job: inside the write's transaction,
 *   await this.outbox.enqueue(tx, assignSlotsJob(service.id));
 * The row commits (or rolls back) with the write; the worker's outbox relay adds it to BullMQ
 * under `QUEUE_PREFIX`. A change of what edge nodes run goes through `FleetChanges.record` instead.
 */
@Injectable()
export class Outbox {
  constructor(private readonly config: AppConfig) {}

  enqueue(tx: EntityManager, ...requests: JobRequest[]): Promise<void> {
    return new OutboxRepository(tx, this.config.queuePrefix).add(requests);
  }
}
