import { JobName, QueueName, assignSlotsJobId, deliverWebhookJobId, processStripeEventJobId, releaseRelocationJobId, syncEdgeNodeJobId } from './queues';

/** Repeatable jobs carry no payload. */
type NoData = Record<string, never>;

/**
 * The payload of every job, by name: what a producer puts in and what the processor gets (the
 * worker's `Job<QueueName.X>` narrows `job.data` by `job.name`). A new job adds its line here, its
 * queue and options to JOBS, and, if producers outside the worker's schedulers ask for it, a builder below.
 */
export interface JobDataMap {
  [JobName.AssignSlots]: { serviceId: string };
  [JobName.RetryWaitingServices]: NoData;
  [JobName.SyncEdgeNode]: { edgeNodeId: string };
  [JobName.SweepFleet]: NoData;
  [JobName.ResyncFleet]: NoData;
  [JobName.RollupTraffic]: NoData;
  [JobName.PruneTraffic]: NoData;
  [JobName.CloseStatements]: NoData;
  [JobName.ProcessStripeEvent]: { eventId: string };
  [JobName.DunningSweep]: NoData;
  [JobName.ExportMeterEvents]: NoData;
  [JobName.SendMeterEvents]: NoData;
  [JobName.SweepRelocations]: NoData;
  [JobName.ReleaseRelocation]: { relocationId: string };
  [JobName.DeliverWebhook]: { deliveryId: string };
}

/** The BullMQ job options the map uses (a subset of BullMQ's JobsOptions; contracts stay free of BullMQ). */
export interface JobOptions {
  attempts?: number;
  backoff?: { type: 'exponential' | 'fixed'; delay: number };
  removeOnComplete: boolean | number;
  removeOnFail: boolean | number;
}

/** Retried with exponential backoff from `delay` ms; no completed or failed residue, so a later add of the same id is accepted. */
const retried = (attempts: number, delay: number) => ({ attempts, backoff: { type: 'exponential', delay }, removeOnComplete: true, removeOnFail: true }) as const;

/** Repeatable jobs: no retry (the next run comes anyway); the last 100 failures stay for inspection. */
const SCHEDULED = { removeOnComplete: true, removeOnFail: 100 } as const;

/** The one job map: each job's queue and options. Processors, builders, the outbox relay and schedulers read it. */
export const JOBS = {
  [JobName.AssignSlots]: { queue: QueueName.SlotAssignment, options: retried(5, 500) },
  [JobName.RetryWaitingServices]: { queue: QueueName.SlotAssignment, options: SCHEDULED },
  // An unreachable agent: 0.5 s, 1 s, 2 s, ... about 4 min in all; the agent's periodic pull covers the rest.
  [JobName.SyncEdgeNode]: { queue: QueueName.FleetSync, options: retried(10, 500) },
  [JobName.SweepFleet]: { queue: QueueName.FleetSync, options: SCHEDULED },
  [JobName.ResyncFleet]: { queue: QueueName.FleetSync, options: SCHEDULED },
  [JobName.RollupTraffic]: { queue: QueueName.TrafficRollup, options: SCHEDULED },
  [JobName.PruneTraffic]: { queue: QueueName.TrafficRollup, options: SCHEDULED },
  [JobName.CloseStatements]: { queue: QueueName.Billing, options: SCHEDULED },
  [JobName.ProcessStripeEvent]: { queue: QueueName.Billing, options: retried(8, 1000) },
  [JobName.DunningSweep]: { queue: QueueName.Billing, options: SCHEDULED },
  [JobName.ExportMeterEvents]: { queue: QueueName.Billing, options: SCHEDULED },
  // One id for every send: no failed residue, so the next measurement's add is accepted (the sender backs off itself).
  [JobName.SendMeterEvents]: { queue: QueueName.Billing, options: { removeOnComplete: true, removeOnFail: true } },
  [JobName.SweepRelocations]: { queue: QueueName.Relocations, options: SCHEDULED },
  [JobName.ReleaseRelocation]: { queue: QueueName.Relocations, options: retried(5, 1000) },
  // A receiver that is down: 5 s, 10 s, 20 s, ... about 21 min over 9 attempts; then the delivery is marked failed.
  [JobName.DeliverWebhook]: { queue: QueueName.Webhooks, options: retried(9, 5000) },
} as const satisfies { [N in JobName]: { queue: QueueName; options: JobOptions } };

export type JobData<N extends JobName> = JobDataMap[N];

/** The jobs of queue Q. */
export type QueueJobName<Q extends QueueName> = { [N in JobName]: (typeof JOBS)[N]['queue'] extends Q ? N : never }[JobName];

/** Every job payload, discriminated by job name. */
export type JobPayload = { [N in JobName]: { name: N; data: JobDataMap[N] } }[JobName];

/**
 * A job as a producer asks for it: its queue, name, payload and deterministic id (the same request
 * twice while the first still waits is one job). Writes put requests into the transactional outbox
 * (`OutboxRepository` in libs/db); the worker's relay adds them to BullMQ with `bulkJob`.
 */
export type JobRequest<N extends JobName = JobName> = N extends JobName
  ? {
      queue: (typeof JOBS)[N]['queue'];
      name: N;
      data: JobDataMap[N];
      /** Null: the relay derives one from the outbox row id (a re-send of that row is still one job). */
      jobId: string | null;
    }
  : never;

/** The request of job `name` (its queue from JOBS). */
export function jobRequest<N extends JobName>(name: N, data: JobDataMap[N], jobId: string): JobRequest<N> & { jobId: string } {
  return { queue: JOBS[name].queue, name, data, jobId } as JobRequest<N> & { jobId: string };
}

/** Slot assignment of one service. */
export const assignSlotsJob = (serviceId: string) => jobRequest(JobName.AssignSlots, { serviceId }, assignSlotsJobId(serviceId));

/** The one sync job of an edge node, as every producer (API, slot assignment, sweep) asks for it. */
export const syncEdgeNodeJob = (edgeNodeId: string) => jobRequest(JobName.SyncEdgeNode, { edgeNodeId }, syncEdgeNodeJobId(edgeNodeId));

/** The job that applies one stored Stripe event, as the webhook endpoint and the sweep ask for it. */
export const processStripeEventJob = (eventId: string) => jobRequest(JobName.ProcessStripeEvent, { eventId }, processStripeEventJobId(eventId));

/** One send job at a time: a measurement that commits while one waits is sent by it. */
export const sendMeterEventsJob = () => jobRequest(JobName.SendMeterEvents, {}, JobName.SendMeterEvents);

/** Release a relocation's old addresses now, if its (shortened) notice has ended. */
export const releaseRelocationJob = (relocationId: string) => jobRequest(JobName.ReleaseRelocation, { relocationId }, releaseRelocationJobId(relocationId));

/** Send one webhook delivery (its row holds the endpoint, the event and the attempt count). */
export const deliverWebhookJob = (deliveryId: string) => jobRequest(JobName.DeliverWebhook, { deliveryId }, deliverWebhookJobId(deliveryId));

/** BullMQ options of a job by name. */
export function jobOptions<N extends JobName>(name: N): (typeof JOBS)[N]['options'] {
  return JOBS[name].options;
}

/** The BullMQ `add`/`addBulk` entry of a request: name, data, the job's options and its id. */
export function bulkJob<N extends JobName>(r: { name: N; data: JobDataMap[N]; jobId: string }) {
  return { name: r.name, data: r.data, opts: { ...jobOptions(r.name), jobId: r.jobId } };
}

/** The job template of a repeatable job: `queue.upsertJobScheduler(name, { every }, scheduledJob(name))`. */
export function scheduledJob<N extends JobName>(name: N) {
  return { name, data: {} as JobDataMap[N], opts: jobOptions(name) };
}
