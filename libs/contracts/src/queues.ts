/**
 * BullMQ queue and job names. The string values are stored in Redis and shared by the api
 * (producer) and the worker (consumer): never change an existing value.
 */
export enum QueueName {
  SlotAssignment = 'slot-assignment',
  FleetSync = 'fleet-sync',
  TrafficRollup = 'traffic-rollup',
  Billing = 'billing',
  Relocations = 'relocations',
  Webhooks = 'webhooks',
}

export enum JobName {
  /** Give one service its anycast addresses (2 IPv4 from different pools + 1 IPv6). */
  AssignSlots = 'assign-slots',
  /** Repeatable: re-enqueue services still pending or waiting for pool capacity. */
  RetryWaitingServices = 'retry-waiting-services',
  /** Compute one edge node's desired state from Postgres and push it to its agent (fleet-sync queue). */
  SyncEdgeNode = 'sync-edge-node',
  /** Repeatable: enqueue sync for every edge node whose state is out of date (missed or lost jobs). */
  SweepFleet = 'sweep-fleet',
  /** Repeatable: recompute every node's state (a no-op when nothing changed); repairs a change nobody notified. */
  ResyncFleet = 'resync-fleet',
  /** Repeatable: recompute the hourly traffic roll-ups of hours with new raw samples (traffic-rollup queue). */
  RollupTraffic = 'rollup-traffic',
  /** Repeatable: delete raw traffic samples older than the retention period. */
  PruneTraffic = 'prune-traffic',
  /** Repeatable (local-ledger mode): close last month's local statements (billing queue). */
  CloseStatements = 'close-statements',
  /** Apply one stored Stripe webhook event (billing queue); job id per event, a no-op once processed. */
  ProcessStripeEvent = 'process-stripe-event',
  /** Repeatable: past-due organizations whose grace ran out are suspended; stored events nobody processed are. */
  DunningSweep = 'dunning-sweep',
  /** Repeatable (Stripe mode): measure closed hours into meter events (export outbox), then send them. */
  ExportMeterEvents = 'export-meter-events',
  /** Send due meter events to Stripe (after a measurement committed new ones). */
  SendMeterEvents = 'send-meter-events',
  /** Repeatable: relocations whose notice has ended release their old addresses into quarantine (relocations queue). */
  SweepRelocations = 'sweep-relocations',
  /** Release one relocation's old addresses if its notice has ended (after an operator shortened it); a no-op otherwise. */
  ReleaseRelocation = 'release-relocation',
  /** Send one tenant webhook delivery (webhooks queue); a no-op once delivered or when its endpoint is gone. */
  DeliverWebhook = 'deliver-webhook',
}

/** Key prefix for every queue; deployments and tests set QUEUE_PREFIX to keep their keys apart. */
export const DEFAULT_QUEUE_PREFIX = 'anyfront';

/**
 * Deterministic job id: enqueueing the same service twice while a job is waiting coalesces into one
 * job (BullMQ ignores an add with an existing id). The processor is idempotent regardless.
 * BullMQ reserves ':' in custom ids, hence '.'.
 */
export function assignSlotsJobId(serviceId: string): string {
  return `${JobName.AssignSlots}.${serviceId}`;
}

/**
 * One job id per edge node: a burst of changes while a sync is waiting collapses into that one job,
 * which computes from the current database state ("latest wins").
 */
export function syncEdgeNodeJobId(edgeNodeId: string): string {
  return `${JobName.SyncEdgeNode}.${edgeNodeId}`;
}

/** One job id per Stripe event: redeliveries while it waits collapse into it. */
export function processStripeEventJobId(eventId: string): string {
  return `${JobName.ProcessStripeEvent}.${eventId}`;
}

/** One job id per relocation: a second shortening while the first job waits is the same job. */
export function releaseRelocationJobId(relocationId: string): string {
  return `${JobName.ReleaseRelocation}.${relocationId}`;
}

/** One job id per delivery row: a duplicate request while the job waits is the same job. */
export function deliverWebhookJobId(deliveryId: string): string {
  return `${JobName.DeliverWebhook}.${deliveryId}`;
}
