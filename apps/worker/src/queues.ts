import { Processor } from '@nestjs/bullmq';
import type { Job as BullJob, Queue as BullQueue } from 'bullmq';
import { type JobDataMap, type QueueJobName, QueueName, scheduledJob } from '@anyfront/contracts';

/**
 * A job of queue Q, typed from the job map (libs/contracts/src/jobs.ts): `switch (job.name)`
 * narrows `job.data`, and a processor that leaves a job of its queue unhandled does not compile
 * (see `unhandled`).
 */
export type Job<Q extends QueueName> = { [N in QueueJobName<Q>]: BullJob<JobDataMap[N], unknown, N> }[QueueJobName<Q>];

/** Queue Q as a producer or scheduler sees it: only its own jobs and payloads. */
export type Queue<Q extends QueueName> = BullQueue<JobDataMap[QueueJobName<Q>], unknown, QueueJobName<Q>>;

/** The default branch of a processor's switch: `job` is `never` once every job of the queue has a case. */
export function unhandled(job: never): never {
  const j = job as { name?: string; queueName?: string };
  throw new Error(`no handler for job "${j.name}" on queue "${j.queueName}"`);
}

/** Upserts the repeatable job `name` (one scheduler per name across every worker process), with the job map's options. */
export async function schedule<Q extends QueueName, N extends QueueJobName<Q>>(queue: Queue<Q>, name: N, every: { every: number; immediately?: boolean }): Promise<void> {
  const template = scheduledJob(name);
  await (queue as unknown as BullQueue).upsertJobScheduler(name, every, template);
}

const HANDLED_QUEUE = Symbol('anyfront:handled-queue');

/** Nest's worker options (lock duration, stalled interval, ...). */
type NestWorkerOptions = Parameters<typeof Processor>[1];

/** `@Processor` that also records the queue, so the worker can check at start that every queue has a processor. */
export function QueueProcessor(queue: QueueName, options?: NestWorkerOptions): ClassDecorator {
  return (target) => {
    (options ? Processor(queue, options) : Processor(queue))(target);
    Reflect.defineMetadata(HANDLED_QUEUE, queue, target);
  };
}

/**
 * Throws, naming them, when a queue of QueueName has no processor among `processors`: the outbox
 * relay and the schedulers add jobs to every queue, and a queue nobody consumes fills up silently.
 */
export function assertEveryQueueHandled(processors: readonly object[]): void {
  const handled = new Set(processors.map((p) => Reflect.getMetadata(HANDLED_QUEUE, p) as QueueName | undefined));
  const missing = Object.values(QueueName).filter((q) => !handled.has(q));
  if (missing.length) {
    throw new Error(`worker: no processor for queue(s) ${missing.map((q) => `"${q}"`).join(', ')}; every queue in QueueName needs a @QueueProcessor class in workerModule`);
  }
}
