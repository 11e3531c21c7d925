import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Queue } from 'bullmq';

/**
 * BullMQ queues re-emit Redis connection errors as 'error' events; an EventEmitter 'error' with
 * no listener throws and takes the process down. So every queue a feature module registers gets
 * a logging listener, and start-up waits (briefly) for the queue connections: a queue closed
 * while its connection is still initializing emits "Connection is closed" after its listeners
 * are gone, which crashed short-lived apps (tests, CLIs).
 */
@Injectable()
export class QueueErrorLogger implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Queues');

  constructor(private readonly discovery: DiscoveryService) {}

  private queues(): Queue[] {
    return this.discovery
      .getProviders()
      .map((w) => w.instance as unknown)
      .filter((i): i is Queue => i instanceof Queue);
  }

  onModuleInit(): void {
    for (const queue of this.queues()) {
      if (queue.listenerCount('error') === 0) queue.on('error', (err: Error) => this.logger.warn(`queue ${queue.name}: ${err.message}`));
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
    const ready = Promise.all(this.queues().map((q) => q.waitUntilReady())).then(() => 'ready' as const);
    if ((await Promise.race([ready, timeout])) === 'timeout') this.logger.warn('queue connections are not ready after 5 s; is Redis reachable?');
  }
}
