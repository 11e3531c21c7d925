import { z } from 'zod';
import { trafficRawRetentionDays } from '@anyfront/domain';

const schema = z.object({
  /** Parallel fleet-sync jobs per worker process (pushes are I/O bound). */
  FLEET_SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** How often nodes whose state is out of date are re-enqueued (repairs lost jobs, e.g. a killed worker). */
  FLEET_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /** How often every node's state is recomputed regardless of notifications (identical states change nothing). */
  FLEET_FULL_RESYNC_SECONDS: z.coerce.number().int().min(10).max(86400).default(300),
  /** A node whose agent has not confirmed its newest generation is pushed again after this long without a push attempt. */
  FLEET_REPUSH_AFTER_SECONDS: z.coerce.number().int().min(1).max(86400).default(60),
  /** Timeout of one push to an agent. */
  FLEET_PUSH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  TRAFFIC_ROLLUP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  TRAFFIC_PRUNE_INTERVAL_SECONDS: z.coerce.number().int().min(60).max(86400).default(3600),
});

export interface FleetWorkerConfig {
  syncConcurrency: number;
  sweepIntervalSeconds: number;
  fullResyncSeconds: number;
  pushTimeoutMs: number;
  repushAfterSeconds: number;
  rollupIntervalSeconds: number;
  pruneIntervalSeconds: number;
  rawRetentionDays: number;
}

export const FLEET_WORKER_CONFIG = Symbol('FLEET_WORKER_CONFIG');
/** The control plane's desired-state signing key (StateSigningKeys from @anyfront/state-signing); the API loads the same one. */
export const STATE_SIGNING_KEYS = Symbol('STATE_SIGNING_KEYS');

export function loadFleetWorkerConfig(env: NodeJS.ProcessEnv = process.env): FleetWorkerConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new Error(`worker fleet/traffic configuration is invalid:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  const e = parsed.data;
  return {
    syncConcurrency: e.FLEET_SYNC_CONCURRENCY,
    sweepIntervalSeconds: e.FLEET_SWEEP_INTERVAL_SECONDS,
    fullResyncSeconds: e.FLEET_FULL_RESYNC_SECONDS,
    pushTimeoutMs: e.FLEET_PUSH_TIMEOUT_MS,
    repushAfterSeconds: e.FLEET_REPUSH_AFTER_SECONDS,
    rollupIntervalSeconds: e.TRAFFIC_ROLLUP_INTERVAL_SECONDS,
    pruneIntervalSeconds: e.TRAFFIC_PRUNE_INTERVAL_SECONDS,
    rawRetentionDays: trafficRawRetentionDays(env.TRAFFIC_RAW_RETENTION_DAYS),
  };
}
