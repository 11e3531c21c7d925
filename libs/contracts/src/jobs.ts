import { JobName, processStripeEventJobId, syncEdgeNodeJobId } from './queues';

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
  | { name: JobName.DunningSweep; data: Record<string, never> };

export interface ProcessStripeEventJobData {
  eventId: string;
}

/** The job that applies one stored Stripe event, as the webhook endpoint and the sweep add it. */
export function processStripeEventJob(eventId: string) {
  return {
    name: JobName.ProcessStripeEvent,
    data: { eventId },
    opts: { jobId: processStripeEventJobId(eventId), attempts: 8, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: true },
  } as const;
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

/** The one sync job of an edge node, as every producer (API, slot assignment, sweep) adds it. */
export function syncEdgeNodeJob(edgeNodeId: string) {
  return { name: JobName.SyncEdgeNode, data: { edgeNodeId }, opts: { ...FLEET_SYNC_JOB_OPTIONS, jobId: syncEdgeNodeJobId(edgeNodeId) } } as const;
}
