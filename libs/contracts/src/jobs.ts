import { JobName, QueueName, assignSlotsJobId, processStripeEventJobId, syncEdgeNodeJobId } from './queues';

export interface AssignSlotsJobData {
  serviceId: string;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RetryWaitingServicesJobData {}

/** Every job payload, discriminated by job name. Later queues add their members here. */
export type JobPayload =
  | { name: JobName.AssignSlots; data: AssignSlotsJobData }
  | { name: JobName.RetryWaitingServices; data: RetryWaitingServicesJobData }
  | { name: JobName.SyncEdgeNode; data: SyncEdgeNodeJobData }
  | { name: JobName.SweepFleet; data: Record<string, never> }
  | { name: JobName.ResyncFleet; data: Record<string, never> }
  | { name: JobName.RollupTraffic; data: Record<string, never> }
  | { name: JobName.PruneTraffic; data: Record<string, never> }
  | { name: JobName.CloseStatements; data: Record<string, never> }
  | { name: JobName.ProcessStripeEvent; data: ProcessStripeEventJobData }
  | { name: JobName.DunningSweep; data: Record<string, never> }
  | { name: JobName.ExportMeterEvents; data: Record<string, never> }
  | { name: JobName.SendMeterEvents; data: Record<string, never> };

export interface ProcessStripeEventJobData {
  eventId: string;
}


export type JobData<N extends JobPayload['name']> = Extract<JobPayload, { name: N }>['data'];

/** Options every slot-assignment job gets: retries with backoff, and no completed-job residue so a later enqueue of the same id is accepted. */
export const SLOT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: true,
  removeOnFail: true,
} as const;

export interface SyncEdgeNodeJobData {
  edgeNodeId: string;
}

/** Fleet sync retries an unreachable agent with exponential backoff (0.5 s, 1 s, 2 s, ... about 4 min in all); the agent's periodic pull covers the rest. */
export const FLEET_SYNC_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: true,
  removeOnFail: true,
} as const;

/**
 * A job as a producer asks for it: the queue, the job, its payload and its deterministic id (the
 * same request twice while the first still waits is one job). Writes put requests into the
 * transactional outbox (`OutboxRepository` in libs/db); the worker's relay adds them to BullMQ.
 */
export type JobRequest<N extends JobPayload['name'] = JobPayload['name']> = N extends JobPayload['name']
  ? {
      queue: QueueName;
      name: N;
      data: JobData<N>;
      /** Null: the relay derives one from the outbox row id (a re-send of that row is still one job). */
      jobId: string | null;
    }
  : never;

/** Slot assignment of one service. */
export function assignSlotsJob(serviceId: string): JobRequest<JobName.AssignSlots> & { jobId: string } {
  return { queue: QueueName.SlotAssignment, name: JobName.AssignSlots, data: { serviceId }, jobId: assignSlotsJobId(serviceId) };
}

/** The one sync job of an edge node, as every producer (API, slot assignment, sweep) asks for it. */
export function syncEdgeNodeJob(edgeNodeId: string): JobRequest<JobName.SyncEdgeNode> & { jobId: string } {
  return { queue: QueueName.FleetSync, name: JobName.SyncEdgeNode, data: { edgeNodeId }, jobId: syncEdgeNodeJobId(edgeNodeId) };
}

/** The job that applies one stored Stripe event, as the webhook endpoint and the sweep ask for it. */
export function processStripeEventJob(eventId: string): JobRequest<JobName.ProcessStripeEvent> & { jobId: string } {
  return { queue: QueueName.Billing, name: JobName.ProcessStripeEvent, data: { eventId }, jobId: processStripeEventJobId(eventId) };
}

/** One send job at a time: a measurement that commits while one waits is sent by it. */
export function sendMeterEventsJob(): JobRequest<JobName.SendMeterEvents> & { jobId: string } {
  return { queue: QueueName.Billing, name: JobName.SendMeterEvents, data: {}, jobId: JobName.SendMeterEvents };
}

/** Stripe events: retried with backoff (a transient Stripe or database error), no residue. */
export const STRIPE_EVENT_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: true,
} as const;

/** BullMQ options of a job by name: retries, backoff and residue. */
export function jobOptions(name: JobPayload['name']) {
  switch (name) {
    case JobName.AssignSlots:
      return SLOT_JOB_OPTIONS;
    case JobName.SyncEdgeNode:
      return FLEET_SYNC_JOB_OPTIONS;
    case JobName.ProcessStripeEvent:
      return STRIPE_EVENT_JOB_OPTIONS;
    default:
      return { removeOnComplete: true, removeOnFail: 100 } as const;
  }
}

/** The BullMQ `addBulk` entry of a request, with its options and id. */
export function bulkJob(r: JobRequest & { jobId: string }) {
  return { name: r.name, data: r.data, opts: { ...jobOptions(r.name), jobId: r.jobId } };
}
