import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { QueueName } from '@anyfront/contracts';
import { WORKER_CONFIG, type WorkerConfig } from '../config';
import { OutboxRelay } from './outbox-relay';

/** Runs the outbox relay for the worker's lifetime, publishing to the worker's own queues. */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('OutboxRelay');
  private relay: OutboxRelay | null = null;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const queues = new Map(Object.values(QueueName).map((name) => [name, this.moduleRef.get<Queue>(getQueueToken(name), { strict: false })]));
    this.relay = new OutboxRelay(this.ds, queues, {
      databaseUrl: this.config.databaseUrl,
      queuePrefix: this.config.queuePrefix,
      batchSize: this.config.outboxBatchSize,
      pollIntervalMs: this.config.outboxPollIntervalMs,
      publishTimeoutMs: 10_000,
      log: { warn: (m) => this.log.warn(m) },
    });
    await this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}
