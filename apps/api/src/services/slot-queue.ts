import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { JobName, QueueName, SLOT_JOB_OPTIONS, assignSlotsJobId } from '@anyfront/contracts';

/** Producer side of slot assignment. */
@Injectable()
export class SlotQueue {
  private readonly log = new Logger(SlotQueue.name);

  constructor(@InjectQueue(QueueName.SlotAssignment) private readonly queue: Queue) {}

  /**
   * Enqueues assign-slots with the service's fixed job id, so repeats coalesce. A failed enqueue is
   * not the caller's problem: the service stays pending and the worker's periodic retry picks it up.
   */
  async requestSlots(serviceId: string): Promise<void> {
    try {
      await this.queue.add(JobName.AssignSlots, { serviceId }, { ...SLOT_JOB_OPTIONS, jobId: assignSlotsJobId(serviceId) });
    } catch (err) {
      this.log.warn(`could not enqueue slot assignment for service ${serviceId}: ${(err as Error).message}`);
    }
  }
}
