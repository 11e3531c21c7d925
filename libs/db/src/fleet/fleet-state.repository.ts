import { type agentStatusSchema, type DesiredState, type KernelCapabilities, type ServiceState } from '@anyfront/contracts';
import type { z } from 'zod';
import {
  CANARY_HEARTBEAT_SECONDS, canaryFailureReason, canaryGate, canaryPoolGate, type CanaryVerdict, type CanaryView, desiredStateHash, type ExcludedService, type HeldService, type FleetChange, type FleetNodeInput, type FleetServiceInput, type NodeCapabilities, planNodeState,
  poolGenerations, serviceDeployment, type ServiceDeployment, type ServiceNodeProgress, topLevelViolation,
} from '@anyfront/domain';
import { PLATFORM_OWNED_BACKEND } from './backend-conflicts.repository';
import { ensureMaglevTables, staleMaglevTables } from './maglev-table.repository';
import type { SqlDatabase, SqlRunner } from './sql';

/**
 * The fleet state aggregate in Postgres (edge_node_fleet_states and the per-node service
 * generations and exclusions), shared by the api (agent pull, change notification, deploy status)
 * and the worker (fleet-sync job). The desired state itself is computed by the pure planNodeState
 * (@anyfront/domain); this module loads its inputs and stores its result.
 */

export interface NodeSyncResult {
  nodeId: string;
  state: DesiredState;
  generation: number;
  /** False when the recomputed state equals the stored one (generation not bumped). */
  changed: boolean;
  pushUrl: string | null;
  /** SHA-256 fingerprint of the agent's self-signed push certificate: the worker talks TLS only to it. */
  pushTlsFingerprint: string | null;
  /** The node's own addresses (tunnel sources, management addresses): the only hosts its push_url may name. */
  nodeAddresses: string[];
  pushedGeneration: number;
  appliedGeneration: number;
  /** Services the publish filter left out of this node's state, with the reason (also stored for the deploy status). */
  skippedServices: ExcludedService[];
  /** Backends left out because they point into the platform (inside a pool, at an edge tunnel source). */
  leftOutBackends: LeftOutBackend[];
  /** This node is its PoP's canary (staged rollout): its push asks the agent for a verdict. */
  canary: boolean;
  popId: string;
  /** Changed services that wait for the PoP's canary on this node (they keep their last good content here). */
  held: HeldService[];
  /** Pools this node does not announce yet that wait for the PoP's canary (canaryPoolGate). */
  heldPools: string[];
  /** As the canary: the newest generation it judged healthy, and the newest it failed (0: none). */
  canaryVerifiedGeneration: number;
  canaryFailedGeneration: number;
}

/** The fleet-wide hash seed (one row written by the migration). */
export async function loadHashSeed(db: SqlRunner): Promise<number> {
  const rows = await db.query('SELECT hash_seed FROM fleet_settings WHERE id = 1');
  if (!rows.length) throw new Error('fleet_settings has no row; run the migrations');
  return Number(rows[0].hash_seed);
}

/** A backend left out of the desired state because it points into the platform. */
export interface LeftOutBackend {
  serviceId: string;
  id: string;
  address: string;
}

/** Active services holding an assigned address in a pool the PoP announces, with addresses and backends (one round trip). */
async function loadServices(db: SqlRunner, popId: string, leftOut: LeftOutBackend[] = []): Promise<FleetServiceInput[]> {
  const rows: Array<Record<string, unknown>> = await db.query(
    `SELECT s.id, s.name, s.status, s.listeners, s.hash_mode, s.encapsulation, s.gue_port, s.health_check, s.maglev_table_size, s.created_at,
            (SELECT coalesce(json_agg(json_build_object('address', host(a.address), 'family', a.family, 'poolId', a.pool_id, 'state', a.state)), '[]')
               FROM anycast_addresses a WHERE a.service_id = s.id AND a.state = 'assigned') AS addresses,
            (SELECT coalesce(json_agg(json_build_object('id', b.id, 'address', host(b.address), 'weight', b.weight, 'enabled', b.enabled, 'verifyToken', b.verify_token)), '[]')
               FROM backends b WHERE b.service_id = s.id AND NOT ${PLATFORM_OWNED_BACKEND}) AS backends,
            (SELECT coalesce(json_agg(json_build_object('id', b.id, 'address', host(b.address))), '[]')
               FROM backends b WHERE b.service_id = s.id AND ${PLATFORM_OWNED_BACKEND}) AS left_out_backends,
            t.input_key, t.table_size, t.backend_ids::text[] AS backend_ids, t.encoded,
            CASE WHEN ba.status = 'suspended' THEN coalesce('by an operator: ' || ba.operator_hold_reason, 'an invoice is unpaid past its grace period') END AS suspension
       FROM services s LEFT JOIN service_maglev_tables t ON t.service_id = s.id
       LEFT JOIN billing_accounts ba ON ba.organization_id = s.organization_id
      WHERE s.status = 'active' AND EXISTS (
        SELECT 1 FROM anycast_addresses a JOIN pool_pops pp ON pp.pool_id = a.pool_id
         WHERE a.service_id = s.id AND a.state = 'assigned' AND pp.pop_id = $1)`,
    [popId],
  );
  for (const s of rows) {
    for (const b of s.left_out_backends as Array<{ id: string; address: string }>) leftOut.push({ serviceId: s.id as string, id: b.id, address: b.address });
  }
  return rows.map((s) => ({
    id: s.id as string,
    name: s.name as string,
    status: s.status as FleetServiceInput['status'],
    listeners: s.listeners as FleetServiceInput['listeners'],
    hashMode: s.hash_mode as FleetServiceInput['hashMode'],
    encapsulation: s.encapsulation as FleetServiceInput['encapsulation'],
    guePort: s.gue_port as number | null,
    healthCheck: s.health_check as FleetServiceInput['healthCheck'],
    addresses: s.addresses as FleetServiceInput['addresses'],
    backends: s.backends as FleetServiceInput['backends'],
    maglevTableSizeFloor: Number(s.maglev_table_size ?? 0),
    createdAt: new Date(s.created_at as string | Date).toISOString(),
    suspension: (s.suspension as string | null) ?? null,
    storedMaglevTable: s.input_key == null
      ? null
      : { inputKey: s.input_key as string, tableSize: Number(s.table_size), backendIds: s.backend_ids as string[], encoded: s.encoded as string },
  }));
}

/** Services whose Maglev tables a node sync found out of date (compiled before it computes again). */
interface StaleTables {
  staleTables: FleetServiceInput[];
}

/**
 * The services with their shared Maglev tables compiled (see ensureMaglevTables). With `deferStale`,
 * out-of-date tables are not compiled here but returned, for a transaction of their own.
 */
async function loadServicesWithTables(tx: SqlRunner, popId: string, leftOut: LeftOutBackend[], deferStale: boolean): Promise<FleetServiceInput[] | StaleTables> {
  const services = await loadServices(tx, popId, leftOut);
  if (deferStale) {
    const stale = staleMaglevTables(services);
    if (stale.length) return { staleTables: stale };
  }
  const tables = await ensureMaglevTables(tx, services);
  for (const s of services) s.maglevTable = tables.get(s.id);
  return services;
}

async function lockNodeRow(tx: SqlRunner, nodeId: string): Promise<Record<string, unknown> | undefined> {
  const rows = await tx.query(
    `SELECT f.generation, f.state_hash, f.requested_seq, f.push_url, f.push_tls_fingerprint, f.pushed_generation, f.applied_generation,
            n.state, n.pop_id, p.code AS pop_code, host(n.tunnel_source_ipv4) AS v4, host(n.tunnel_source_ipv6) AS v6, f.capabilities,
            ARRAY(SELECT host(m) FROM unnest(n.management_addresses) m) AS management_addresses,
            f.drained OR coalesce(pf.drained, false) AS drained, fs.hash_seed,
            EXISTS (SELECT 1 FROM edge_node_service_exclusions x WHERE x.edge_node_id = f.edge_node_id) AS has_exclusions,
            EXISTS (SELECT 1 FROM edge_node_service_holds h WHERE h.edge_node_id = f.edge_node_id) AS has_holds,
            f.canary_verified_generation, f.canary_failed_generation, f.pool_generations, f.held_pools::text[] AS held_pools,
            ARRAY(SELECT p->>'id' FROM jsonb_array_elements(coalesce(f.desired_state->'pools', '[]'::jsonb)) p) AS current_pools
       FROM edge_node_fleet_states f
       JOIN edge_nodes n ON n.id = f.edge_node_id
       JOIN pops p ON p.id = n.pop_id
       LEFT JOIN pop_fleet_states pf ON pf.pop_id = n.pop_id
       CROSS JOIN fleet_settings fs
      WHERE f.edge_node_id = $1
        FOR UPDATE OF f`,
    [nodeId],
  );
  return rows[0];
}

function baseOf(row: Record<string, unknown>, nodeId: string, popId: string, skippedServices: ExcludedService[], leftOutBackends: LeftOutBackend[], canary: boolean, held: HeldService[], heldPools: string[]) {
  return {
    nodeId,
    pushUrl: row.push_url as string | null,
    pushTlsFingerprint: row.push_tls_fingerprint as string | null,
    nodeAddresses: [row.v4, row.v6, ...(row.management_addresses as string[])].filter((a): a is string => typeof a === 'string'),
    pushedGeneration: Number(row.pushed_generation),
    appliedGeneration: Number(row.applied_generation),
    skippedServices,
    leftOutBackends,
    canary,
    popId,
    held,
    heldPools,
    canaryVerifiedGeneration: Number(row.canary_verified_generation ?? 0),
    canaryFailedGeneration: Number(row.canary_failed_generation ?? 0),
  };
}

/**
 * The id of the PoP's canary edge (libs/domain/src/fleet/canary.ts) as a scalar subquery, for the
 * PoP named by the SQL expression `popId`: its oldest registered, active, undrained node with a push
 * URL and a recent heartbeat; NULL when none qualifies or the fleet's staged rollout is off
 * (fleet_settings.canary_stage). The one definition every query uses.
 */
function canaryOfPop(popId: string): string {
  return `(SELECT cn.id FROM edge_nodes cn JOIN edge_node_fleet_states cf ON cf.edge_node_id = cn.id
            WHERE cn.pop_id = ${popId} AND cn.state = 'active' AND cf.registered_at IS NOT NULL AND NOT cf.drained AND cf.push_url IS NOT NULL
              AND cf.last_heartbeat_at > now() - make_interval(secs => ${Number(CANARY_HEARTBEAT_SECONDS)})
              AND (SELECT canary_stage FROM fleet_settings WHERE id = 1)
            ORDER BY cn.created_at, cn.id LIMIT 1)`;
}

/** A node's fleet row (alias `f`) holds a generation its canary verdicts never judged (neither verified nor failed). */
function unjudged(f: string): string {
  return `(${f}.canary_verified_generation < ${f}.generation AND coalesce(${f}.canary_failed_generation, 0) < ${f}.generation)`;
}

/** The node's fleet row (alias `f`) holds services or pools back for its PoP's canary. */
function holdsForCanary(f: string): string {
  return `(cardinality(${f}.held_pools) > 0 OR EXISTS (SELECT 1 FROM edge_node_service_holds h WHERE h.edge_node_id = ${f}.edge_node_id))`;
}

/** The PoP's canary edge (canaryOfPop); null: no canary stage in the PoP. */
export async function popCanary(db: SqlRunner, popId: string): Promise<string | null> {
  const rows: Array<{ id: string | null }> = await db.query(`SELECT ${canaryOfPop('$1::uuid')} AS id`, [popId]);
  return rows[0]?.id ?? null;
}

/** What a neighbour's gate needs from the canary: its services' content and which of it a verdict covered. */
async function canaryView(db: SqlRunner, canaryId: string): Promise<CanaryView> {
  const [rows, excluded, failed]: [Array<{ service_id: string; content_hash: string; verified: boolean }>, Array<{ service_id: string }>, Array<{ id: string }>] = await Promise.all([
    db.query(
      `SELECT g.service_id, g.content_hash, g.generation <= f.canary_verified_generation AS verified
         FROM edge_node_service_generations g JOIN edge_node_fleet_states f ON f.edge_node_id = g.edge_node_id WHERE g.edge_node_id = $1`,
      [canaryId],
    ),
    db.query(`SELECT service_id FROM edge_node_service_exclusions WHERE edge_node_id = $1`, [canaryId]),
    db.query(`SELECT fs->>'id' AS id FROM edge_node_fleet_states f, jsonb_array_elements(f.failed_services) fs WHERE f.edge_node_id = $1`, [canaryId]),
  ]);
  return {
    nodeId: canaryId,
    services: new Map(rows.map((r) => [r.service_id, { hash: r.content_hash, verified: r.verified }])),
    excluded: new Set(excluded.map((r) => r.service_id)),
    failed: new Set(failed.map((r) => r.id)),
  };
}

/** The pools the canary announced in a generation it judged healthy (see poolGenerations). */
async function canaryVerifiedPools(db: SqlRunner, canaryId: string): Promise<Set<string>> {
  const rows: Array<{ pool_id: string }> = await db.query(
    `SELECT g.pool_id FROM edge_node_fleet_states f, jsonb_each_text(f.pool_generations) AS g(pool_id, generation)
      WHERE f.edge_node_id = $1 AND g.generation::bigint <= f.canary_verified_generation`,
    [canaryId],
  );
  return new Set(rows.map((r) => r.pool_id));
}

/** Keeps the node's held pools equal to this sync's pool gate (written only when they change). */
async function storeHeldPools(tx: SqlRunner, nodeId: string, row: Record<string, unknown>, heldPools: string[]): Promise<void> {
  const before = (row.held_pools as string[] | null) ?? [];
  if (before.length === heldPools.length && before.every((p) => heldPools.includes(p))) return;
  await tx.query(`UPDATE edge_node_fleet_states SET held_pools = $2::uuid[] WHERE edge_node_id = $1`, [nodeId, heldPools]);
}

/** The node's stored services with their content hashes (what it runs now, or is being pushed). */
async function currentServices(db: SqlRunner, nodeId: string): Promise<Map<string, { hash: string; state: ServiceState | undefined }>> {
  const [gens, stored]: [Array<{ service_id: string; content_hash: string }>, Array<{ services: ServiceState[] | null }>] = await Promise.all([
    db.query(`SELECT service_id, content_hash FROM edge_node_service_generations WHERE edge_node_id = $1`, [nodeId]),
    db.query(`SELECT desired_state->'services' AS services FROM edge_node_fleet_states WHERE edge_node_id = $1`, [nodeId]),
  ]);
  const byId = new Map((stored[0]?.services ?? []).map((s) => [s.id, s]));
  return new Map(gens.map((g) => [g.service_id, { hash: g.content_hash, state: byId.get(g.service_id) }]));
}

/**
 * Makes the node's rows of a per-(node, service) table equal this sync's set, in one statement: rows
 * of other services go, a row whose value changed restarts its `since`, an unchanged one keeps it
 * (nothing written when nothing changed). The tables and their value columns are fixed here.
 */
const PER_SERVICE_ROWS = {
  edge_node_service_holds: 'content_hash',
  edge_node_service_exclusions: 'reason',
} as const;
async function storeNodeServiceRows(tx: SqlRunner, table: keyof typeof PER_SERVICE_ROWS, nodeId: string, rows: Array<{ serviceId: string; value: string }>): Promise<void> {
  const column = PER_SERVICE_ROWS[table];
  await tx.query(
    `WITH wanted AS (SELECT * FROM unnest($2::uuid[], $3::text[]) AS x(service_id, value)),
          gone AS (DELETE FROM ${table} t WHERE t.edge_node_id = $1
                     AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.service_id = t.service_id))
     INSERT INTO ${table} (edge_node_id, service_id, ${column})
     SELECT $1, w.service_id, w.value FROM wanted w
     ON CONFLICT (edge_node_id, service_id) DO UPDATE SET ${column} = EXCLUDED.${column}, since = now()
       WHERE ${table}.${column} IS DISTINCT FROM EXCLUDED.${column}`,
    [nodeId, rows.map((r) => r.serviceId), rows.map((r) => r.value)],
  );
}

/** Keeps the node's held services equal to this sync's gate (`since` kept for a service that stays held with the same content). */
function storeHolds(tx: SqlRunner, nodeId: string, held: HeldService[]): Promise<void> {
  return storeNodeServiceRows(tx, 'edge_node_service_holds', nodeId, held.map((h) => ({ serviceId: h.id, value: h.contentHash })));
}

/**
 * The canary's verdict on a generation it was pushed: a healthy one covers every service content it
 * holds (its neighbours may take them; a failure at or below it is cleared), a failed one halts its
 * PoP's rollout with the reason. Services the agent could not program are stored as its failed
 * services at once (the neighbours' gate reads them before the agent's next status report).
 */
export async function recordCanaryVerdict(db: SqlRunner, nodeId: string, generation: number, v: CanaryVerdict, failedServices?: Array<{ id: string; reason: string }>): Promise<void> {
  await db.query(
    `UPDATE edge_node_fleet_states
        SET canary_verified_generation = CASE WHEN $3 THEN greatest(canary_verified_generation, $2) ELSE canary_verified_generation END,
            canary_failed_generation = CASE WHEN $3 THEN (CASE WHEN canary_failed_generation <= $2 THEN NULL ELSE canary_failed_generation END) ELSE greatest(coalesce(canary_failed_generation, 0), $2) END,
            canary_failed_reason = CASE WHEN $3 THEN (CASE WHEN canary_failed_generation <= $2 THEN NULL ELSE canary_failed_reason END) ELSE $4 END,
            failed_services = coalesce($5::jsonb, failed_services),
            canary_checked_at = now()
      WHERE edge_node_id = $1`,
    [nodeId, generation, v.ok, v.ok ? null : v.reasons.join('; ').replace(/\s*\n\s*/g, ' ').slice(0, 2000), failedServices ? JSON.stringify(failedServices) : null],
  );
}

/**
 * The node is not its PoP's canary and the canary has a change it has not judged yet (not computed,
 * or computed and neither verified nor failed): the node's compute would only hold that change, so
 * the worker lets it wait; the canary's verdict enqueues it again (nodesHoldingForCanary).
 */
export async function waitsForCanary(db: SqlRunner, nodeId: string): Promise<boolean> {
  const [node]: Array<{ pop_id: string }> = await db.query(`SELECT pop_id FROM edge_nodes WHERE id = $1`, [nodeId]);
  if (!node) return false;
  const canaryId = await popCanary(db, node.pop_id);
  if (!canaryId || canaryId === nodeId) return false;
  const rows: Array<{ pending: boolean }> = await db.query(
    `SELECT f.requested_seq > f.synced_seq OR ${unjudged('f')} AS pending FROM edge_node_fleet_states f WHERE f.edge_node_id = $1`,
    [canaryId],
  );
  return rows[0]?.pending === true;
}

/** Nodes of the PoP that wait for its canary: services or pools held, or a change not computed (enqueued again after a healthy verdict). */
export async function nodesHoldingForCanary(db: SqlRunner, popId: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await db.query(
    `SELECT f.edge_node_id AS id FROM edge_node_fleet_states f JOIN edge_nodes n ON n.id = f.edge_node_id
      WHERE n.pop_id = $1 AND (f.requested_seq > f.synced_seq OR ${holdsForCanary('f')})`,
    [popId],
  );
  return rows.map((r) => r.id);
}

/**
 * Recomputes one node's desired state from the current database and stores it. The generation is
 * bumped (and per-service change generations recorded) in the same transaction only when the
 * state's hash changed; recomputing an identical state changes nothing. The node's fleet row is
 * locked, so concurrent syncs of one node serialize and generations never go back.
 * Returns null when the edge node does not exist.
 */
export async function syncNodeState(db: SqlDatabase, nodeId: string): Promise<NodeSyncResult | null> {
  // Out-of-date Maglev tables are compiled in a short transaction of their own, then the node computes
  // again. Compiled inside the node's transaction, a service's advisory lock stayed held until that
  // transaction committed, and every node syncing the same change queued behind the previous one
  // (52 agents: half the nodes' states were computed 0.7 s after the API write, 2 s at p99). A change
  // racing in between is compiled in the second transaction, as before, so a sync always ends.
  const first = await db.transaction((tx) => syncNodeStateIn(tx, nodeId, true));
  if (!first || !('staleTables' in first)) return first;
  await db.transaction((tx) => ensureMaglevTables(tx, first.staleTables));
  return (await db.transaction((tx) => syncNodeStateIn(tx, nodeId, false))) as NodeSyncResult | null;
}

async function syncNodeStateIn(tx: SqlRunner, nodeId: string, deferStaleTables: boolean): Promise<NodeSyncResult | StaleTables | null> {
  let row = await lockNodeRow(tx, nodeId);
  if (!row) {
    // First sync of this node: create its fleet row (no-op if a concurrent sync just did).
    await tx.query(`INSERT INTO edge_node_fleet_states (edge_node_id) SELECT id FROM edge_nodes WHERE id = $1 ON CONFLICT DO NOTHING`, [nodeId]);
    row = await lockNodeRow(tx, nodeId);
    if (!row) return null;
  }
  const popId = row.pop_id as string;
  const pools: Array<{ id: string; prefix: string; family: number; state: string }> = await tx.query(
    `SELECT pl.id, pl.prefix::text AS prefix, pl.family, pl.state FROM pools pl JOIN pool_pops pp ON pp.pool_id = pl.id WHERE pp.pop_id = $1`,
    [popId],
  );
  const current = Number(row.generation);
  const leftOutBackends: LeftOutBackend[] = [];
  // Staged rollout: on a node that is not its PoP's canary, new pools and changed services wait for the canary's verdict.
  const services = await loadServicesWithTables(tx, popId, leftOutBackends, deferStaleTables);
  if (!Array.isArray(services)) return services;
  const canaryId = await popCanary(tx, popId);
  const neighbour = canaryId !== null && canaryId !== nodeId;
  const poolGate = neighbour ? canaryPoolGate(pools, new Set(row.current_pools as string[]), await canaryVerifiedPools(tx, canaryId)) : { pools, held: [] as string[] };
  // eslint-disable-next-line prefer-const
  let { state, excluded: skippedServices, serviceHashes } = planNodeState({
    node: {
      id: nodeId,
      popId,
      popCode: row.pop_code as string,
      state: row.state as FleetNodeInput['state'],
      drained: row.drained as boolean,
      tunnelSourceIpv4: row.v4 as string | null,
      tunnelSourceIpv6: row.v6 as string | null,
      capabilities: (row.capabilities as KernelCapabilities | null) ?? null,
    },
    pools: poolGate.pools.map((p) => ({ id: p.id, prefix: p.prefix, family: p.family as 4 | 6, state: p.state as 'active', popIds: [popId] })),
    services,
    hashSeed: Number(row.hash_seed),
    generation: current + 1,
  });
  if (skippedServices.length || row.has_exclusions) await storeExclusions(tx, nodeId, skippedServices);
  let held: HeldService[] = [];
  if (neighbour) {
    const view = await canaryView(tx, canaryId);
    const gate = canaryGate(state.services, serviceHashes, await currentServices(tx, nodeId), view);
    held = gate.held;
    if (held.length) {
      const gated = { ...state, services: gate.services };
      if (!topLevelViolation(gated)) {
        state = gated;
        serviceHashes = gate.hashes;
      } else {
        // Last good content of one service does not fit beside the new content of the rest (e.g. its
        // pool left the PoP): the node keeps its whole stored state until the canary verified the change.
        const stored = await storedDesiredState(tx, nodeId);
        if (stored?.state && row.state_hash) {
          await tx.query(`UPDATE edge_node_fleet_states SET synced_seq = greatest(synced_seq, $2), computed_at = now() WHERE edge_node_id = $1`, [nodeId, row.requested_seq]);
          await storeHolds(tx, nodeId, held);
          await storeHeldPools(tx, nodeId, row, poolGate.held);
          return { ...baseOf(row, nodeId, popId, skippedServices, leftOutBackends, false, held, poolGate.held), state: stored.state, generation: current, changed: false };
        }
        held = [];
      }
    }
    // A service new to this node whose addresses all lie in held pools is not in the plan at all: it waits too (deploy status).
    const planned = new Set(state.services.map((s) => s.id));
    for (const s of services) {
      if (!planned.has(s.id) && s.addresses.length && s.addresses.every((a) => poolGate.held.includes(a.poolId))) held.push({ id: s.id, contentHash: view.services.get(s.id)?.hash ?? 'waiting for a pool' });
    }
  }
  if (held.length || row.has_holds) await storeHolds(tx, nodeId, held);
  await storeHeldPools(tx, nodeId, row, poolGate.held);
  const hash = desiredStateHash(state);
  const base = baseOf(row, nodeId, popId, skippedServices, leftOutBackends, canaryId === nodeId, held, poolGate.held);

  if (hash === row.state_hash) {
    // Same content as stored: the stored state is this one with the current generation.
    await tx.query(`UPDATE edge_node_fleet_states SET synced_seq = greatest(synced_seq, $2), computed_at = now() WHERE edge_node_id = $1`, [nodeId, row.requested_seq]);
    return { ...base, state: { ...state, generation: current }, generation: current, changed: false };
  }

  // Never store (or push) what the agent would refuse. Checked only for new content (the costly
  // part of a sync): an unchanged state was checked when it was stored.
  const invalid = topLevelViolation(state);
  if (invalid) throw new Error(`computed desired state of edge node ${nodeId} is invalid: ${invalid}`);
  const generation = current + 1;
  await tx.query(
    `UPDATE edge_node_fleet_states
        SET generation = $2, state_hash = $3, desired_state = $4::jsonb, computed_at = now(), synced_seq = greatest(synced_seq, $5), pool_generations = $6::jsonb
      WHERE edge_node_id = $1`,
    [nodeId, generation, hash, JSON.stringify(state), row.requested_seq, JSON.stringify(poolGenerations((row.pool_generations as Record<string, number> | null) ?? {}, state.pools.map((p) => p.id), generation))],
  );
  const previous: Array<{ service_id: string; content_hash: string }> = await tx.query(
    `SELECT service_id, content_hash FROM edge_node_service_generations WHERE edge_node_id = $1`,
    [nodeId],
  );
  const before = new Map(previous.map((p) => [p.service_id, p.content_hash]));
  const changedIds: string[] = [];
  const changedHashes: string[] = [];
  for (const s of state.services) {
    const h = serviceHashes.get(s.id)!;
    if (before.get(s.id) !== h) {
      changedIds.push(s.id);
      changedHashes.push(h);
    }
  }
  if (changedIds.length) {
    await tx.query(
      `INSERT INTO edge_node_service_generations (edge_node_id, service_id, generation, content_hash)
       SELECT $1, x.id, $2, x.h FROM unnest($3::uuid[], $4::text[]) AS x(id, h)
       ON CONFLICT (edge_node_id, service_id) DO UPDATE SET generation = EXCLUDED.generation, content_hash = EXCLUDED.content_hash`,
      [nodeId, generation, changedIds, changedHashes],
    );
  }
  await tx.query(`DELETE FROM edge_node_service_generations WHERE edge_node_id = $1 AND NOT (service_id = ANY($2::uuid[]))`, [
    nodeId,
    state.services.map((s) => s.id),
  ]);
  return { ...base, state, generation, changed: true };
}

/** Keeps the node's excluded services (with their reasons) equal to this sync's verdict: the deploy status reads them. */
function storeExclusions(tx: SqlRunner, nodeId: string, excluded: ExcludedService[]): Promise<void> {
  return storeNodeServiceRows(tx, 'edge_node_service_exclusions', nodeId, excluded.map((e) => ({ serviceId: e.id, value: e.reason })));
}

/** The agent confirmed it runs `appliedGeneration` after a push of `pushedGeneration` (never goes back). */
export async function recordPushApplied(db: SqlRunner, nodeId: string, pushedGeneration: number, appliedGeneration: number): Promise<void> {
  await db.query(
    `UPDATE edge_node_fleet_states
        SET pushed_generation = greatest(pushed_generation, $2), last_push_at = now(), last_push_error = NULL,
            applied_generation = greatest(applied_generation, $3),
            applied_at = CASE WHEN applied_generation < $3 THEN now() ELSE applied_at END
      WHERE edge_node_id = $1`,
    [nodeId, pushedGeneration, appliedGeneration],
  );
}

/** A push that did not end with the agent running the state: when and why. */
export async function recordPushError(db: SqlRunner, nodeId: string, message: string): Promise<void> {
  await db.query(`UPDATE edge_node_fleet_states SET last_push_at = now(), last_push_error = $2 WHERE edge_node_id = $1`, [nodeId, message]);
}

/** A change was notified for the node after its last computation (another sync round is due). */
export async function nodeSyncStale(db: SqlRunner, nodeId: string): Promise<boolean> {
  const rows: Array<{ stale: boolean }> = await db.query(`SELECT requested_seq > synced_seq AS stale FROM edge_node_fleet_states WHERE edge_node_id = $1`, [nodeId]);
  return rows[0]?.stale === true;
}

/** Edge nodes whose desired state may depend on the change, including nodes that served it before. */
export async function affectedNodes(db: SqlRunner, change: FleetChange): Promise<string[]> {
  if (change.all) return (await db.query('SELECT id FROM edge_nodes')).map((r: { id: string }) => r.id);
  const ids = new Set<string>(change.edgeNodeIds ?? []);
  const add = (rows: Array<{ id: string }>) => rows.forEach((r) => ids.add(r.id));
  if (change.serviceIds?.length) {
    add(await db.query(
      `SELECT n.id FROM edge_nodes n JOIN pool_pops pp ON pp.pop_id = n.pop_id JOIN anycast_addresses a ON a.pool_id = pp.pool_id
        WHERE a.service_id = ANY($1::uuid[])
       UNION SELECT edge_node_id FROM edge_node_service_generations WHERE service_id = ANY($1::uuid[])`,
      [change.serviceIds],
    ));
  }
  if (change.poolIds?.length) {
    add(await db.query(
      `SELECT n.id FROM edge_nodes n JOIN pool_pops pp ON pp.pop_id = n.pop_id WHERE pp.pool_id = ANY($1::uuid[])
       UNION SELECT f.edge_node_id FROM edge_node_fleet_states f, unnest($1::text[]) AS pid
        WHERE f.desired_state -> 'pools' @> jsonb_build_array(jsonb_build_object('id', pid))`,
      [change.poolIds],
    ));
  }
  if (change.popIds?.length) add(await db.query(`SELECT id FROM edge_nodes WHERE pop_id = ANY($1::uuid[])`, [change.popIds]));
  return [...ids].sort();
}

/** Marks nodes out of date (requested_seq > synced_seq until a sync computes after this point); returns the nodes that exist. */
export async function markNodesStale(db: SqlRunner, nodeIds: string[]): Promise<string[]> {
  if (!nodeIds.length) return [];
  const rows: Array<{ edge_node_id: string }> = await db.query(
    `INSERT INTO edge_node_fleet_states (edge_node_id, requested_seq)
     SELECT id, nextval('fleet_change_seq') FROM edge_nodes WHERE id = ANY($1::uuid[]) ORDER BY id
     ON CONFLICT (edge_node_id) DO UPDATE SET requested_seq = EXCLUDED.requested_seq
     RETURNING edge_node_id`,
    [nodeIds],
  );
  return rows.map((r) => r.edge_node_id);
}

/**
 * Nodes to sync again: their stored state is older than their last change notification, or their
 * agent has not confirmed the newest generation and no push was tried for `repushAfterSeconds`
 * (a push lost with a killed worker, or retries used up while the agent was down).
 */
export async function staleNodes(db: SqlRunner, repushAfterSeconds = 60): Promise<string[]> {
  const rows: Array<{ edge_node_id: string }> = await db.query(
    `SELECT f.edge_node_id FROM edge_node_fleet_states f
      WHERE f.requested_seq > f.synced_seq
         OR (f.push_url IS NOT NULL AND f.applied_generation < f.generation
             AND (f.last_push_at IS NULL OR f.last_push_at < now() - make_interval(secs => $1)))
         -- Services or pools held for the PoP's canary: its healthy verdict re-enqueues them; this repairs a lost enqueue.
         OR (f.computed_at < now() - interval '30 seconds' AND ${holdsForCanary('f')})
         -- A canary with a generation it never judged (it became canary after that state was pushed, e.g. its
         -- predecessor died): its neighbours wait for it, so it is pushed again for a verdict.
         OR (${unjudged('f')} AND f.edge_node_id = ${canaryOfPop('(SELECT n.pop_id FROM edge_nodes n WHERE n.id = f.edge_node_id)')})`,
    [repushAfterSeconds],
  );
  return rows.map((r) => r.edge_node_id);
}

/** Per registered edge node that should serve the service: its progress towards the service's latest change. */
export async function serviceNodeProgress(db: SqlRunner, serviceId: string): Promise<ServiceNodeProgress[]> {
  const rows: Array<Record<string, unknown>> = await db.query(
    `SELECT n.id, n.name, n.pop_id, p.code AS pop_code, g.generation AS service_generation,
            f.requested_seq > f.synced_seq AS pending, f.applied_generation, f.last_heartbeat_at, x.reason AS excluded_reason,
            (SELECT fs->>'reason' FROM jsonb_array_elements(f.failed_services) fs WHERE fs->>'id' = $1::text LIMIT 1) AS agent_failed_reason,
            usable.healthy_backends, usable.verified_backends,
            hd.service_id IS NOT NULL AS held, f.canary_verified_generation,
            cfail.canary_id, cfail.canary_name, cfail.canary_failed_generation, cfail.canary_failed_reason
       FROM edge_nodes n
       JOIN pops p ON p.id = n.pop_id
       JOIN edge_node_fleet_states f ON f.edge_node_id = n.id AND f.registered_at IS NOT NULL
       LEFT JOIN edge_node_service_generations g ON g.edge_node_id = n.id AND g.service_id = $1
       LEFT JOIN edge_node_service_exclusions x ON x.edge_node_id = n.id AND x.service_id = $1
       LEFT JOIN edge_node_service_holds hd ON hd.edge_node_id = n.id AND hd.service_id = $1
       -- Usable backends (enabled, weight > 0) the node verified, and of those the healthy ones: "deployed" needs one
       -- (a backend the node did not verify gets no traffic there, however healthy it looks).
       CROSS JOIN LATERAL (
         SELECT count(*) AS verified_backends, count(*) FILTER (WHERE h.healthy) AS healthy_backends
           FROM edge_node_backend_health h JOIN backends b ON b.id = h.backend_id
          WHERE h.edge_node_id = n.id AND h.service_id = $1 AND h.verification = 'verified' AND b.enabled AND b.weight > 0) usable
       -- The PoP's halted rollout, if any: a canary whose newest verdict is a failure.
       LEFT JOIN LATERAL (
         SELECT cn.id AS canary_id, cn.name AS canary_name, cf.canary_failed_generation, cf.canary_failed_reason
           FROM edge_node_fleet_states cf JOIN edge_nodes cn ON cn.id = cf.edge_node_id
          WHERE cn.pop_id = n.pop_id AND cf.canary_failed_generation > cf.canary_verified_generation
          ORDER BY cf.canary_checked_at DESC LIMIT 1) cfail ON true
      WHERE n.state <> 'disabled'
        AND n.pop_id IN (SELECT pp.pop_id FROM anycast_addresses a
                           JOIN pools pl ON pl.id = a.pool_id AND pl.state IN ('active', 'draining')
                           JOIN pool_pops pp ON pp.pool_id = a.pool_id
                          WHERE a.service_id = $1 AND a.state = 'assigned')`,
    [serviceId],
  );
  return rows.map((r) => ({
    nodeId: r.id as string,
    nodeName: r.name as string,
    popId: r.pop_id as string,
    popCode: r.pop_code as string,
    serviceGeneration: r.service_generation == null ? null : Number(r.service_generation),
    pending: r.pending as boolean,
    appliedGeneration: Number(r.applied_generation),
    lastHeartbeatAt: (r.last_heartbeat_at as Date | null) ?? null,
    excludedReason: (r.excluded_reason as string | null) ?? null,
    agentFailedReason: (r.agent_failed_reason as string | null) ?? null,
    healthyBackends: Number(r.healthy_backends),
    verifiedBackends: Number(r.verified_backends),
    held: r.held as boolean,
    // Held (or waiting to compute) here while the PoP's canary failed, or this node is that canary and failed with the service's change on it.
    canaryFailure: r.canary_id && (r.held || r.pending || (r.canary_id === r.id && r.service_generation != null && Number(r.service_generation) > Number(r.canary_verified_generation)))
      ? canaryFailureReason(r.canary_name as string, Number(r.canary_failed_generation), r.canary_failed_reason as string)
      : null,
  }));
}

/** Deploy status of one service with per-PoP detail (for GET /v1/services/{id} and /deployment). */
export async function loadServiceDeployment(db: SqlRunner, serviceId: string, serviceActive: boolean): Promise<ServiceDeployment> {
  return serviceDeployment(serviceActive, await serviceNodeProgress(db, serviceId));
}

/** Registered, enabled edge nodes of the PoPs that announce the service's assigned addresses, with their capabilities. */
export async function serviceNodeCapabilities(db: SqlRunner, serviceId: string): Promise<NodeCapabilities[]> {
  const rows: Array<{ pop_code: string; capabilities: KernelCapabilities | null }> = await db.query(
    `SELECT p.code AS pop_code, f.capabilities
       FROM edge_nodes n
       JOIN pops p ON p.id = n.pop_id
       JOIN edge_node_fleet_states f ON f.edge_node_id = n.id AND f.registered_at IS NOT NULL
      WHERE n.state <> 'disabled'
        AND n.pop_id IN (SELECT pp.pop_id FROM anycast_addresses a
                           JOIN pools pl ON pl.id = a.pool_id AND pl.state IN ('active', 'draining')
                           JOIN pool_pops pp ON pp.pool_id = a.pool_id
                          WHERE a.service_id = $1 AND a.state = 'assigned')`,
    [serviceId],
  );
  return rows.map((r) => ({ popCode: r.pop_code, capabilities: r.capabilities }));
}

/** An edge node's fleet state as operators see it (/v1/admin/fleet and /v1/admin/edge-nodes). */
export interface FleetNodeView {
  id: string;
  name: string;
  pop_id: string;
  pop_code: string;
  state: string;
  registered: boolean;
  drained: boolean;
  pop_drained: boolean;
  desired_generation: number;
  applied_generation: number;
  /** Generations the node is behind (0 when up to date). */
  lag: number;
  /** A change is notified and not yet computed into the node's state. */
  sync_pending: boolean;
  announced: boolean | null;
  agent_drained: boolean | null;
  last_error: string | null;
  last_push_error: string | null;
  last_heartbeat_at: string | null;
  /** The node is its PoP's canary (staged rollout): it takes every change before the PoP's other edges. */
  canary: boolean;
  /** As canary: the newest generation it applied and judged healthy. */
  canary_verified_generation: number;
  /** As canary: why it halted its PoP's rollout (its newest verdict failed), else null. */
  canary_failed_reason: string | null;
  /** Changed services whose new content waits on this node for the PoP's canary. */
  held_services: number;
}

/** The fleet views of the given edge nodes (those that exist), in creation order. */
export async function fleetNodeViews(db: SqlRunner, ids: string[]): Promise<FleetNodeView[]> {
  if (!ids.length) return [];
  const rows: Array<Record<string, unknown>> = await db.query(
    `SELECT n.id, n.name, n.pop_id, p.code AS pop_code, n.state, n.created_at,
            f.registered_at IS NOT NULL AS registered, coalesce(f.drained, false) AS drained, coalesce(pf.drained, false) AS pop_drained,
            coalesce(f.generation, 0) AS generation, coalesce(f.applied_generation, 0) AS applied_generation,
            coalesce(f.requested_seq > f.synced_seq, false) AS pending, f.announced, f.agent_drained, f.last_error, f.last_push_error, f.last_heartbeat_at,
            coalesce(f.canary_verified_generation, 0) AS canary_verified_generation,
            CASE WHEN f.canary_failed_generation > f.canary_verified_generation
                 THEN 'generation ' || f.canary_failed_generation || ': ' || f.canary_failed_reason END AS canary_failed_reason,
            (SELECT count(*) FROM edge_node_service_holds h WHERE h.edge_node_id = n.id) AS held_services,
            n.id = ${canaryOfPop('n.pop_id')} AS canary
       FROM edge_nodes n JOIN pops p ON p.id = n.pop_id
       LEFT JOIN edge_node_fleet_states f ON f.edge_node_id = n.id
       LEFT JOIN pop_fleet_states pf ON pf.pop_id = n.pop_id
      WHERE n.id = ANY($1::uuid[])
      ORDER BY n.created_at, n.id`,
    [ids],
  );
  return rows.map((r) => {
    const desired = Number(r.generation);
    const applied = Number(r.applied_generation);
    return {
      id: r.id as string,
      name: r.name as string,
      pop_id: r.pop_id as string,
      pop_code: r.pop_code as string,
      state: r.state as string,
      registered: r.registered as boolean,
      drained: r.drained as boolean,
      pop_drained: r.pop_drained as boolean,
      desired_generation: desired,
      applied_generation: applied,
      lag: Math.max(0, desired - applied),
      sync_pending: r.pending as boolean,
      announced: (r.announced as boolean | null) ?? null,
      agent_drained: (r.agent_drained as boolean | null) ?? null,
      last_error: (r.last_error as string | null) ?? null,
      last_push_error: (r.last_push_error as string | null) ?? null,
      last_heartbeat_at: (r.last_heartbeat_at as Date | null)?.toISOString() ?? null,
      canary: r.canary === true,
      canary_verified_generation: Number(r.canary_verified_generation),
      canary_failed_reason: (r.canary_failed_reason as string | null) ?? null,
      held_services: Number(r.held_services),
    };
  });
}

/** Sets the operator drain of an edge node; false when the node does not exist. */
export async function setNodeDrained(db: SqlRunner, nodeId: string, drained: boolean): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `INSERT INTO edge_node_fleet_states (edge_node_id, drained) SELECT id, $2 FROM edge_nodes WHERE id = $1
     ON CONFLICT (edge_node_id) DO UPDATE SET drained = EXCLUDED.drained RETURNING edge_node_id`,
    [nodeId, drained],
  );
  return rows.length > 0;
}

/** Sets the operator drain of every node of a PoP; false when the PoP does not exist. */
export async function setPopDrained(db: SqlRunner, popId: string, drained: boolean): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `INSERT INTO pop_fleet_states (pop_id, drained) SELECT id, $2 FROM pops WHERE id = $1
     ON CONFLICT (pop_id) DO UPDATE SET drained = EXCLUDED.drained, updated_at = now() RETURNING pop_id`,
    [popId, drained],
  );
  return rows.length > 0;
}

/** One edge node's latest health report of one backend of the service (enabled nodes only). */
export interface BackendHealthReportRow {
  backend_id: string;
  edge_node_id: string;
  pop_id: string;
  pop_code: string;
  healthy: boolean;
  /** Why the node reports it unhealthy (e.g. its path MTU), or null. */
  health_reason: string | null;
  reported_at: Date;
}

export function backendHealthReports(db: SqlRunner, serviceId: string): Promise<BackendHealthReportRow[]> {
  return db.query(
    `SELECT h.backend_id, h.edge_node_id, n.pop_id, p.code AS pop_code, h.healthy, h.health_reason, h.reported_at
       FROM edge_node_backend_health h JOIN edge_nodes n ON n.id = h.edge_node_id JOIN pops p ON p.id = n.pop_id
      WHERE h.service_id = $1 AND n.state <> 'disabled'`,
    [serviceId],
  ) as Promise<BackendHealthReportRow[]>;
}

/** The node's stored desired state and whether a change is pending for it (null: no fleet row yet). */
export async function storedDesiredState(db: SqlRunner, nodeId: string): Promise<{ state: DesiredState | null; stale: boolean } | null> {
  const rows: Array<{ desired_state: DesiredState | null; stale: boolean }> = await db.query(
    `SELECT desired_state, requested_seq > synced_seq AS stale FROM edge_node_fleet_states WHERE edge_node_id = $1`,
    [nodeId],
  );
  const [row] = rows;
  return row ? { state: row.desired_state, stale: row.stale } : null;
}

/** The edge node's own addresses (tunnel sources, management addresses); null when the node does not exist. */
export async function edgeNodeAddresses(db: SqlRunner, nodeId: string): Promise<string[] | null> {
  const rows: Array<{ v4: string | null; v6: string | null; mgmt: string[] }> = await db.query(
    `SELECT host(tunnel_source_ipv4) AS v4, host(tunnel_source_ipv6) AS v6, ARRAY(SELECT host(m) FROM unnest(management_addresses) m) AS mgmt
       FROM edge_nodes WHERE id = $1`,
    [nodeId],
  );
  const [r] = rows;
  return r ? [r.v4, r.v6, ...r.mgmt].filter((a): a is string => !!a) : null;
}

/** The node's current push URL (null: none, or no fleet row yet). */
export async function currentPushUrl(db: SqlRunner, nodeId: string): Promise<string | null> {
  const rows: Array<{ push_url: string | null }> = await db.query(`SELECT push_url FROM edge_node_fleet_states WHERE edge_node_id = $1`, [nodeId]);
  return rows[0]?.push_url ?? null;
}

/** The node's current push URL and certificate fingerprint (nulls: none, or no fleet row yet). */
export async function currentPushEndpoint(db: SqlRunner, nodeId: string): Promise<{ pushUrl: string | null; tlsFingerprint: string | null }> {
  const rows: Array<{ push_url: string | null; push_tls_fingerprint: string | null }> = await db.query(
    `SELECT push_url, push_tls_fingerprint FROM edge_node_fleet_states WHERE edge_node_id = $1`,
    [nodeId],
  );
  return { pushUrl: rows[0]?.push_url ?? null, tlsFingerprint: rows[0]?.push_tls_fingerprint ?? null };
}

/** Whether the database answers (readiness). */
export async function databaseAnswers(db: SqlRunner): Promise<void> {
  await db.query('SELECT 1');
}

/**
 * A report of an older generation than the one a push just confirmed was sent before that push
 * applied and overtaken by its acknowledgement (52 agents on 2 cores: the cause of the 30 s
 * propagation p99 — the node looked behind until its next periodic report). It is believed only when
 * the stored generation is older than any report can be in flight (the agent's client gives up
 * after 10 s): a node whose state directory was wiped is seen at its next report after that, and it
 * pulls the newest state by itself meanwhile (the answer's desired_generation is above its own).
 */
const STALE_REPORT = `(EXCLUDED.applied_generation < edge_node_fleet_states.applied_generation AND edge_node_fleet_states.applied_at > now() - interval '30 seconds')`;

/**
 * Stores an agent's status report: applied generation, announce/drain state, heartbeat, kernel
 * capabilities, skipped services, and the node's backend health set (replaced; unknown or
 * mismatched (service, backend) pairs are ignored). Answers the node's desired generation and
 * whether its capabilities changed (the publish filter must run again).
 */
export async function recordAgentStatus(db: SqlRunner, nodeId: string, s: z.infer<typeof agentStatusSchema>): Promise<{ generation: number; capabilitiesChanged: boolean }> {
  // The backend health set first, the node's fleet row last: a backend deletion locks the backend,
  // cascades to these rows and then marks the nodes' fleet rows (FleetChanges); taking the fleet
  // row first here made the two wait on each other (deadlock, the deletion answered 500).
  const backendIds: string[] = [];
  const serviceIds: string[] = [];
  const healthy: boolean[] = [];
  const healthReason: Array<string | null> = [];
  const verification: Array<string | null> = [];
  const verificationReason: Array<string | null> = [];
  const verificationCheckedAt: Array<string | null> = [];
  for (const svc of s.services) {
    for (const b of svc.backends) {
      backendIds.push(b.id);
      serviceIds.push(svc.id);
      healthy.push(b.healthy);
      healthReason.push(b.healthy ? null : b.reason ?? null);
      verification.push(b.verification?.state ?? null);
      verificationReason.push(b.verification?.reason ?? null);
      verificationCheckedAt.push(b.verification?.checked_at ?? null);
    }
  }
  // The report replaces the node's health set. Unknown or mismatched (service, backend) pairs are ignored.
  await db.query(`DELETE FROM edge_node_backend_health WHERE edge_node_id = $1 AND NOT (backend_id = ANY($2::uuid[]))`, [nodeId, backendIds]);
  if (backendIds.length) {
    await db.query(
      `INSERT INTO edge_node_backend_health (edge_node_id, backend_id, service_id, healthy, health_reason, reported_at, verification, verification_reason, verification_checked_at)
       SELECT $1, b.id, b.service_id, x.healthy, x.health_reason, now(), x.verification, x.reason, x.checked_at
         FROM unnest($2::uuid[], $3::uuid[], $4::boolean[], $5::text[], $6::text[], $7::timestamptz[], $8::text[]) AS x(backend_id, service_id, healthy, verification, reason, checked_at, health_reason)
         JOIN backends b ON b.id = x.backend_id AND b.service_id = x.service_id
       ON CONFLICT (edge_node_id, backend_id) DO UPDATE SET healthy = EXCLUDED.healthy, health_reason = EXCLUDED.health_reason, service_id = EXCLUDED.service_id, reported_at = now(),
         verification = EXCLUDED.verification, verification_reason = EXCLUDED.verification_reason, verification_checked_at = EXCLUDED.verification_checked_at`,
      [nodeId, backendIds, serviceIds, healthy, verification, verificationReason, verificationCheckedAt, healthReason],
    );
  }
  const rows: Array<{ generation: string; capabilities_changed: boolean }> = await db.query(
    `WITH old AS (SELECT capabilities FROM edge_node_fleet_states WHERE edge_node_id = $1)
     INSERT INTO edge_node_fleet_states (edge_node_id, applied_generation, applied_at, announced, agent_drained, programmed, last_error, last_heartbeat_at, capabilities, failed_services)
     VALUES ($1, $2, now(), $3, $4, $5, $6, now(), $7::jsonb, $8::jsonb)
     ON CONFLICT (edge_node_id) DO UPDATE SET
       applied_at = CASE WHEN edge_node_fleet_states.applied_generation = EXCLUDED.applied_generation OR ${STALE_REPORT} THEN edge_node_fleet_states.applied_at ELSE now() END,
       applied_generation = CASE WHEN ${STALE_REPORT} THEN edge_node_fleet_states.applied_generation ELSE EXCLUDED.applied_generation END, announced = EXCLUDED.announced, agent_drained = EXCLUDED.agent_drained,
       programmed = EXCLUDED.programmed, last_error = EXCLUDED.last_error, last_heartbeat_at = now(),
       capabilities = coalesce(EXCLUDED.capabilities, edge_node_fleet_states.capabilities), failed_services = EXCLUDED.failed_services
     RETURNING generation, edge_node_fleet_states.capabilities IS DISTINCT FROM (SELECT capabilities FROM old) AS capabilities_changed`,
    [nodeId, s.applied_generation, s.announced, s.drained, s.programmed ?? null, s.last_error, s.capabilities ? JSON.stringify(s.capabilities) : null, JSON.stringify(s.failed_services)],
  );
  // An upsert with RETURNING always yields the node's row.
  return { generation: Number(rows[0]?.generation ?? 0), capabilitiesChanged: rows[0]?.capabilities_changed === true };
}
