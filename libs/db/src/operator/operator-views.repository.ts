import type { Queryable } from '../billing/billing.repository';

/** Who holds an anycast address: the organization and service, and since when. */
export interface SlotHolderRow {
  organizationId: string;
  organizationName: string;
  serviceId: string;
  serviceName: string;
  since: Date;
}

/** One taken slot of a pool (free slots are not rows: the caller knows the pool's size). */
export interface TakenSlotRow {
  slotIndex: number;
  address: string;
  state: 'assigned' | 'quarantined';
  quarantinedUntil: Date | null;
  holder: SlotHolderRow | null;
}

export interface PoolHeaderRow {
  id: string;
  prefix: string;
  family: 4 | 6;
  state: string;
  popCodes: string[];
}

export interface HoldingRow {
  organizationId: string;
  organizationName: string | null;
  serviceId: string;
  serviceName: string | null;
  from: Date;
  to: Date | null;
}

export interface AnnouncingPopRow {
  popId: string;
  popCode: string;
  popName: string;
  /** Edge nodes of the PoP (not disabled). */
  edgeNodes: number;
  /** Of those, how many announce the pool now: registered, reporting `announced`, not drained. */
  announcing: number;
}

export interface AnycastLookupRow {
  address: string;
  pool: PoolHeaderRow;
  slotIndex: number;
  state: 'assigned' | 'quarantined';
  quarantinedUntil: Date | null;
  holder: SlotHolderRow | null;
}

export interface BackendUseRow {
  backendId: string;
  serviceId: string;
  serviceName: string;
  organizationId: string;
  organizationName: string;
  enabled: boolean;
}

export interface OrganizationSummaryRow {
  id: string;
  name: string;
  createdAt: Date;
  plan: string;
  status: string;
  services: number;
  ipv4Addresses: number;
  members: number;
}

export interface WaitingServiceRow {
  id: string;
  name: string;
  organizationId: string;
  organizationName: string;
  since: Date;
  reason: string | null;
}

export interface FailedDeployRow {
  serviceId: string;
  serviceName: string;
  organizationId: string;
  organizationName: string;
  edgeNodeId: string;
  edgeNodeName: string;
  popCode: string;
  reason: string;
  since: Date | null;
}

interface HolderCols {
  organization_id: string | null;
  organization_name: string | null;
  service_id: string | null;
  service_name: string | null;
  since: Date | null;
}

const holder = (r: HolderCols): SlotHolderRow | null =>
  r.service_id && r.organization_id && r.since
    ? { organizationId: r.organization_id, organizationName: r.organization_name ?? '', serviceId: r.service_id, serviceName: r.service_name ?? '', since: r.since }
    : null;

// The current holder of a slot: its service while assigned; while quarantined, the last holding (the
// service row may be gone, the history is not).
const HOLDER_SQL = `
  LEFT JOIN LATERAL (
    SELECT h.organization_id, h.service_id, h.held_from
      FROM address_holdings h WHERE h.anycast_address_id = a.id ORDER BY h.held_from DESC LIMIT 1
  ) last ON true
  LEFT JOIN services s ON s.id = last.service_id
  LEFT JOIN organizations o ON o.id = last.organization_id`;
const HOLDER_COLS = `last.organization_id, o.name AS organization_name, last.service_id, s.name AS service_name, last.held_from AS since`;

/**
 * The operator console's read models: the slot map of a pool, an address lookup (anycast holder and
 * history, or which services use a backend address), the organizations directory and the overview's
 * "needs attention" lists. Reads only; every write goes through its own aggregate's service.
 */
export class OperatorViewsRepository {
  constructor(private readonly db: Queryable) {}

  async poolHeader(poolId: string): Promise<PoolHeaderRow | null> {
    const rows: Array<{ id: string; prefix: string; family: number; state: string; pop_codes: string[] }> = await this.db.query(
      `SELECT p.id, p.prefix::text AS prefix, p.family, p.state,
              COALESCE(array_agg(pp.code ORDER BY pp.code) FILTER (WHERE pp.code IS NOT NULL), '{}') AS pop_codes
         FROM pools p LEFT JOIN pool_pops x ON x.pool_id = p.id LEFT JOIN pops pp ON pp.id = x.pop_id
        WHERE p.id = $1 GROUP BY p.id`,
      [poolId],
    );
    const r = rows[0];
    return r ? { id: r.id, prefix: r.prefix, family: r.family === 6 ? 6 : 4, state: r.state, popCodes: r.pop_codes } : null;
  }

  /** The pool's taken slots (assigned or quarantined), by slot index; at most `limit` (IPv6 pools are large). */
  async takenSlots(poolId: string, limit: number): Promise<TakenSlotRow[]> {
    const rows: Array<HolderCols & { slot_index: string; address: string; state: 'assigned' | 'quarantined'; quarantined_until: Date | null }> = await this.db.query(
      `SELECT a.slot_index::text AS slot_index, host(a.address) AS address, a.state, a.quarantined_until, ${HOLDER_COLS}
         FROM anycast_addresses a ${HOLDER_SQL}
        WHERE a.pool_id = $1 ORDER BY a.slot_index LIMIT $2`,
      [poolId, limit],
    );
    return rows.map((r) => ({ slotIndex: Number(r.slot_index), address: r.address, state: r.state, quarantinedUntil: r.quarantined_until, holder: holder(r) }));
  }

  /** The pool (if any) whose prefix contains the address, even when the address is free. */
  async poolContaining(address: string): Promise<PoolHeaderRow | null> {
    const rows: Array<{ id: string }> = await this.db.query('SELECT id FROM pools WHERE prefix >>= $1::inet LIMIT 1', [address]);
    return rows[0] ? this.poolHeader(rows[0].id) : null;
  }

  async anycastAddress(address: string): Promise<AnycastLookupRow | null> {
    const rows: Array<HolderCols & { pool_id: string; slot_index: string; address: string; state: 'assigned' | 'quarantined'; quarantined_until: Date | null }> = await this.db.query(
      `SELECT a.pool_id, a.slot_index::text AS slot_index, host(a.address) AS address, a.state, a.quarantined_until, ${HOLDER_COLS}
         FROM anycast_addresses a ${HOLDER_SQL}
        WHERE a.address = $1::inet`,
      [address],
    );
    const r = rows[0];
    if (!r) return null;
    const pool = await this.poolHeader(r.pool_id);
    if (!pool) return null;
    return { address: r.address, pool, slotIndex: Number(r.slot_index), state: r.state, quarantinedUntil: r.quarantined_until, holder: holder(r) };
  }

  /** Everyone who ever held the address, newest first (the billing holding history). */
  async holdingHistory(address: string, limit = 100): Promise<HoldingRow[]> {
    const rows: Array<{ organization_id: string; organization_name: string | null; service_id: string; service_name: string | null; held_from: Date; held_to: Date | null }> = await this.db.query(
      `SELECT h.organization_id, o.name AS organization_name, h.service_id, s.name AS service_name, h.held_from, h.held_to
         FROM address_holdings h
         LEFT JOIN organizations o ON o.id = h.organization_id
         LEFT JOIN services s ON s.id = h.service_id
        WHERE h.address = $1::inet ORDER BY h.held_from DESC LIMIT $2`,
      [address, limit],
    );
    return rows.map((r) => ({ organizationId: r.organization_id, organizationName: r.organization_name, serviceId: r.service_id, serviceName: r.service_name, from: r.held_from, to: r.held_to }));
  }

  /** The pool's PoPs and how many of their edge nodes announce it right now. */
  async announcingPops(poolId: string): Promise<AnnouncingPopRow[]> {
    const rows: Array<{ pop_id: string; code: string; name: string; edge_nodes: string; announcing: string }> = await this.db.query(
      `SELECT pp.id AS pop_id, pp.code, pp.name,
              count(n.id) FILTER (WHERE n.state <> 'disabled')::text AS edge_nodes,
              count(n.id) FILTER (WHERE n.state = 'active' AND f.registered_at IS NOT NULL AND f.announced IS TRUE
                                    AND NOT f.drained AND f.agent_drained IS NOT TRUE)::text AS announcing
         FROM pool_pops x JOIN pops pp ON pp.id = x.pop_id
         LEFT JOIN edge_nodes n ON n.pop_id = pp.id
         LEFT JOIN edge_node_fleet_states f ON f.edge_node_id = n.id
        WHERE x.pool_id = $1 GROUP BY pp.id ORDER BY pp.code`,
      [poolId],
    );
    return rows.map((r) => ({ popId: r.pop_id, popCode: r.code, popName: r.name, edgeNodes: Number(r.edge_nodes), announcing: Number(r.announcing) }));
  }

  /** Live services (any organization) with a backend at this address. */
  async backendUses(address: string): Promise<BackendUseRow[]> {
    const rows: Array<{ backend_id: string; service_id: string; service_name: string; organization_id: string; organization_name: string; enabled: boolean }> = await this.db.query(
      `SELECT b.id AS backend_id, s.id AS service_id, s.name AS service_name, o.id AS organization_id, o.name AS organization_name, b.enabled
         FROM backends b JOIN services s ON s.id = b.service_id JOIN organizations o ON o.id = s.organization_id
        WHERE b.address = $1::inet AND s.deleted_at IS NULL ORDER BY o.name, s.name LIMIT 200`,
      [address],
    );
    return rows.map((r) => ({ backendId: r.backend_id, serviceId: r.service_id, serviceName: r.service_name, organizationId: r.organization_id, organizationName: r.organization_name, enabled: r.enabled }));
  }

  /**
   * Organizations in creation order (keyset after `after`: the last row's created_at and id),
   * optionally those whose name contains `search`, with plan, standing and what they hold.
   */
  async organizations(opts: { search?: string; limit: number; after?: { createdAt: string; id: string } }): Promise<OrganizationSummaryRow[]> {
    const pattern = opts.search ? `%${opts.search.replace(/[\\%_]/g, '\\$&')}%` : null;
    const rows: Array<{ id: string; name: string; created_at: Date; plan: string | null; status: string | null; services: string; ipv4: string; members: string }> = await this.db.query(
      `SELECT o.id, o.name, o.created_at, COALESCE(b.operator_plan, b.plan) AS plan, b.status,
              (SELECT count(*) FROM services s WHERE s.organization_id = o.id AND s.deleted_at IS NULL)::text AS services,
              (SELECT count(*) FROM anycast_addresses a JOIN services s ON s.id = a.service_id
                 WHERE s.organization_id = o.id AND a.family = 4 AND a.state = 'assigned')::text AS ipv4,
              (SELECT count(*) FROM memberships m WHERE m.organization_id = o.id)::text AS members
         FROM organizations o LEFT JOIN billing_accounts b ON b.organization_id = o.id
        WHERE ($1::text IS NULL OR o.name ILIKE $1)
          AND ($3::uuid IS NULL OR (o.created_at, o.id) > (COALESCE((SELECT c.created_at FROM organizations c WHERE c.id = $3::uuid), $4::timestamptz), $3::uuid))
        ORDER BY o.created_at, o.id LIMIT $2`,
      [pattern, opts.limit, opts.after?.id ?? null, opts.after?.createdAt ?? null],
    );
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, plan: r.plan ?? 'free', status: r.status ?? 'active', services: Number(r.services), ipv4Addresses: Number(r.ipv4), members: Number(r.members) }));
  }

  /** Services that could not get an address (no free slot in a pool of their PoPs), oldest first. */
  async waitingServices(limit = 50): Promise<WaitingServiceRow[]> {
    const rows: Array<{ id: string; name: string; organization_id: string; organization_name: string; updated_at: Date; status_reason: string | null }> = await this.db.query(
      `SELECT s.id, s.name, s.organization_id, o.name AS organization_name, s.updated_at, s.status_reason
         FROM services s JOIN organizations o ON o.id = s.organization_id
        WHERE s.status = 'waiting_for_capacity' AND s.deleted_at IS NULL ORDER BY s.updated_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, name: r.name, organizationId: r.organization_id, organizationName: r.organization_name, since: r.updated_at, reason: r.status_reason }));
  }

  /**
   * Services an edge node does not run: left out at publish time (the stored exclusion and its
   * reason) or refused by the agent itself (failed_services of its last report).
   */
  async failedDeploys(limit = 100): Promise<FailedDeployRow[]> {
    const rows: Array<{ service_id: string; service_name: string; organization_id: string; organization_name: string; edge_node_id: string; edge_node_name: string; pop_code: string; reason: string; since: Date | null }> = await this.db.query(
      `WITH failures AS (
         SELECT e.service_id, e.edge_node_id, e.reason, e.since FROM edge_node_service_exclusions e
         UNION ALL
         SELECT (fs->>'id')::uuid, f.edge_node_id, COALESCE(fs->>'reason', 'the agent could not program it'), f.last_heartbeat_at
           FROM edge_node_fleet_states f, jsonb_array_elements(f.failed_services) fs
          WHERE jsonb_typeof(f.failed_services) = 'array'
       )
       SELECT s.id AS service_id, s.name AS service_name, o.id AS organization_id, o.name AS organization_name,
              n.id AS edge_node_id, n.name AS edge_node_name, pp.code AS pop_code, fl.reason, fl.since
         FROM failures fl JOIN services s ON s.id = fl.service_id AND s.deleted_at IS NULL
         JOIN organizations o ON o.id = s.organization_id
         JOIN edge_nodes n ON n.id = fl.edge_node_id JOIN pops pp ON pp.id = n.pop_id
        ORDER BY fl.since DESC NULLS LAST LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ serviceId: r.service_id, serviceName: r.service_name, organizationId: r.organization_id, organizationName: r.organization_name, edgeNodeId: r.edge_node_id, edgeNodeName: r.edge_node_name, popCode: r.pop_code, reason: r.reason, since: r.since }));
  }

  /** Organizations not in good standing (past due or suspended), most recent change first. */
  async organizationsNeedingAttention(limit = 50): Promise<Array<{ id: string; name: string; status: string; since: Date; graceUntil: Date | null }>> {
    const rows: Array<{ id: string; name: string; status: string; status_changed_at: Date; grace_until: Date | null }> = await this.db.query(
      `SELECT o.id, o.name, b.status, b.status_changed_at, b.grace_until
         FROM billing_accounts b JOIN organizations o ON o.id = b.organization_id
        WHERE b.status IN ('past_due', 'suspended') ORDER BY b.status_changed_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, name: r.name, status: r.status, since: r.status_changed_at, graceUntil: r.grace_until }));
  }

  /**
   * What draining an edge node moves: the services in its current desired state, the traffic it
   * carried in the last hour, the other edge nodes of its PoP still announcing, and its kernel
   * capabilities as last reported. Null when there is no such node.
   */
  async edgeNodeImpact(edgeNodeId: string): Promise<{ services: number; bytesLastHour: bigint; packetsLastHour: bigint; otherAnnouncingInPop: number; capabilities: Record<string, unknown> | null } | null> {
    const rows: Array<{ services: string; bytes: string; packets: string; others: string; capabilities: Record<string, unknown> | null }> = await this.db.query(
      `SELECT COALESCE(jsonb_array_length(f.desired_state->'services'), 0)::text AS services,
              COALESCE((SELECT sum(t.bytes) FROM traffic_samples t WHERE t.edge_node_id = n.id AND t.kind = 'address' AND t.interval_start > now() - interval '1 hour'), 0)::text AS bytes,
              COALESCE((SELECT sum(t.packets) FROM traffic_samples t WHERE t.edge_node_id = n.id AND t.kind = 'address' AND t.interval_start > now() - interval '1 hour'), 0)::text AS packets,
              (SELECT count(*) FROM edge_nodes o JOIN edge_node_fleet_states of ON of.edge_node_id = o.id
                WHERE o.pop_id = n.pop_id AND o.id <> n.id AND o.state = 'active' AND of.announced IS TRUE AND NOT of.drained)::text AS others,
              f.capabilities
         FROM edge_nodes n LEFT JOIN edge_node_fleet_states f ON f.edge_node_id = n.id
        WHERE n.id = $1`,
      [edgeNodeId],
    );
    const r = rows[0];
    return r ? { services: Number(r.services), bytesLastHour: BigInt(r.bytes), packetsLastHour: BigInt(r.packets), otherAnnouncingInPop: Number(r.others), capabilities: r.capabilities } : null;
  }
}
