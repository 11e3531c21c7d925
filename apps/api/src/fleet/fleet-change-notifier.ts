import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { QueueName, syncEdgeNodeJob } from '@anyfront/contracts';
import { type FleetChange } from '@anyfront/domain';
import { affectedNodes, markNodesStale } from '@anyfront/db';

/**
 * Call after a write that changes what edge nodes should run (service, backend, pool, PoP, edge
 * node, drain), after the transaction committed:
 *   await this.fleet.changed({ serviceIds: [id] });
 * It marks the affected nodes out of date (deploy status shows `deploying` at once) and enqueues
 * one fleet-sync job per node. Jobs have a fixed id per node, so a burst collapses into one job
 * that computes from the current database. A lost enqueue is repaired by the worker's sweep.
 */
@Injectable()
export class FleetChangeNotifier {
  private readonly log = new Logger(FleetChangeNotifier.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectQueue(QueueName.FleetSync) private readonly queue: Queue,
  ) {}

  async changed(change: FleetChange): Promise<string[]> {
    const nodes = await markNodesStale(this.ds, await affectedNodes(this.ds, change));
    await this.enqueue(nodes);
    return nodes;
  }

  /**
   * Resolves like `write`, after notifying `change` (only if the write succeeded), so a write path
   * needs one wrapper: `return this.fleet.after({ poolIds: [id] }, this.ds.transaction(...))`.
   */
  async after<T>(change: FleetChange | ((result: T) => FleetChange), write: Promise<T>): Promise<T> {
    const result = await write;
    try {
      await this.changed(typeof change === 'function' ? change(result) : change);
    } catch (err) {
      // The write is committed: answer its result; the worker's periodic full resync brings the change.
      this.log.error(`fleet change notification failed after a committed write: ${(err as Error).message}`);
    }
    return result;
  }

  async enqueue(nodeIds: string[]): Promise<void> {
    if (!nodeIds.length) return;
    try {
      await this.queue.addBulk(nodeIds.map(syncEdgeNodeJob));
    } catch (err) {
      // The nodes are marked stale in Postgres; the worker's sweep and the agents' pulls still converge.
      this.log.warn(`could not enqueue fleet sync for ${nodeIds.length} node(s): ${(err as Error).message}`);
    }
  }
}
