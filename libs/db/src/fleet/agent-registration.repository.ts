import { rowsOf, type SqlRunner } from './sql';

/** The node a live credential belongs to. */
export interface AgentCredentialRow {
  id: string;
  edge_node_id: string;
}

/**
 * How an edge agent gets in: one-time bootstrap tokens, node credentials and the push endpoint it
 * registers. Only SHA-256 hashes of tokens and credentials are stored; the caller hashes. Pass the
 * transaction's manager for writes that belong together (registration consumes the token, replaces
 * the credential and stores the endpoint in one transaction).
 */
export class AgentRegistrationRepository {
  constructor(private readonly db: SqlRunner) {}

  /**
   * A bootstrap token for the node (by id, or by name when no id is given), valid `ttlMinutes`;
   * null when there is no such node.
   */
  async insertBootstrapToken(
    node: { id?: string; name?: string },
    tokenHash: string,
    ttlMinutes: number,
    createdBy: string | null,
  ): Promise<{ edge_node_id: string; expires_at: Date } | null> {
    const rows: Array<{ edge_node_id: string; expires_at: Date }> = await this.db.query(
      `INSERT INTO edge_node_bootstrap_tokens (edge_node_id, token_hash, expires_at, created_by)
       SELECT id, $3, now() + make_interval(mins => $4), $5 FROM edge_nodes
        WHERE ($1::uuid IS NOT NULL AND id = $1::uuid) OR ($1::uuid IS NULL AND name = $2)
       RETURNING edge_node_id, expires_at`,
      [node.id ?? null, node.name ?? null, tokenHash, ttlMinutes, createdBy],
    );
    return rows[0] ?? null;
  }

  /** Uses up the bootstrap token (once, before it expires); the node it was for, or null. */
  async consumeBootstrapToken(tokenHash: string): Promise<string | null> {
    const consumed = rowsOf<{ edge_node_id: string }>(await this.db.query(
      `UPDATE edge_node_bootstrap_tokens SET consumed_at = now()
        WHERE token_hash = $1 AND consumed_at IS NULL AND expires_at > now()
        RETURNING edge_node_id`,
      [tokenHash],
    ));
    return consumed[0]?.edge_node_id ?? null;
  }

  /** The live credential with this secret hash, or null; marks it used at most once a minute, so heartbeats do not turn every read into a write. */
  async authenticate(secretHash: string): Promise<AgentCredentialRow | null> {
    const rows: AgentCredentialRow[] = await this.db.query(
      `WITH c AS (
         SELECT id, edge_node_id, last_used_at FROM edge_node_credentials WHERE secret_hash = $1 AND revoked_at IS NULL
       ), touch AS (
         UPDATE edge_node_credentials x SET last_used_at = now() FROM c
          WHERE x.id = c.id AND (c.last_used_at IS NULL OR c.last_used_at < now() - interval '60 seconds')
       )
       SELECT id, edge_node_id FROM c`,
      [secretHash],
    );
    return rows[0] ?? null;
  }

  /** Locks the edge node row (FOR UPDATE) so credential changes of one node run one after the other; false when there is no such node. */
  async lockNode(edgeNodeId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM edge_nodes WHERE id = $1 FOR UPDATE`, [edgeNodeId]);
    return rows.length > 0;
  }

  /** Revokes every live credential of the node and stores the new one. */
  async replaceCredential(edgeNodeId: string, secretHash: string): Promise<void> {
    await this.db.query(`UPDATE edge_node_credentials SET revoked_at = now() WHERE edge_node_id = $1 AND revoked_at IS NULL`, [edgeNodeId]);
    await this.db.query(`INSERT INTO edge_node_credentials (edge_node_id, secret_hash) VALUES ($1, $2)`, [edgeNodeId, secretHash]);
  }

  /** Revokes every credential and unused bootstrap token of the node; how many credentials were live. */
  async revokeAll(edgeNodeId: string): Promise<number> {
    await this.db.query(`UPDATE edge_node_bootstrap_tokens SET consumed_at = now() WHERE edge_node_id = $1 AND consumed_at IS NULL`, [edgeNodeId]);
    return rowsOf(await this.db.query(`UPDATE edge_node_credentials SET revoked_at = now() WHERE edge_node_id = $1 AND revoked_at IS NULL RETURNING id`, [edgeNodeId])).length;
  }

  /** Stores where the worker pushes the node's state (creating its fleet row); `registered` also stamps registered_at. */
  async savePushEndpoint(edgeNodeId: string, pushUrl: string, tlsFingerprint: string | null, registered: boolean): Promise<void> {
    if (registered) {
      await this.db.query(
        `INSERT INTO edge_node_fleet_states (edge_node_id, push_url, push_tls_fingerprint, registered_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (edge_node_id) DO UPDATE SET push_url = EXCLUDED.push_url, push_tls_fingerprint = EXCLUDED.push_tls_fingerprint, registered_at = now()`,
        [edgeNodeId, pushUrl, tlsFingerprint],
      );
      return;
    }
    await this.db.query(
      `INSERT INTO edge_node_fleet_states (edge_node_id, push_url, push_tls_fingerprint) VALUES ($1, $2, $3)
       ON CONFLICT (edge_node_id) DO UPDATE SET push_url = EXCLUDED.push_url, push_tls_fingerprint = EXCLUDED.push_tls_fingerprint`,
      [edgeNodeId, pushUrl, tlsFingerprint],
    );
  }

  /** The node's id, name and PoP code, or null. */
  async nodeSummary(edgeNodeId: string): Promise<{ id: string; name: string; pop: string } | null> {
    const rows: Array<{ id: string; name: string; code: string }> = await this.db.query(
      `SELECT n.id, n.name, p.code FROM edge_nodes n JOIN pops p ON p.id = n.pop_id WHERE n.id = $1`,
      [edgeNodeId],
    );
    const [r] = rows;
    return r ? { id: r.id, name: r.name, pop: r.code } : null;
  }
}
