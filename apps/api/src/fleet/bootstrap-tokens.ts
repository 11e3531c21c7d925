import { problems } from '../common/problem';
import { hashAgentSecret, newBootstrapToken } from './agent-tokens';

export const BOOTSTRAP_TOKEN_TTL_MINUTES = 60;

interface Db {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(sql: string, params?: unknown[]): Promise<any>;
}

/** A one-time token for the node (by id, or by name), valid `ttlMinutes`; only its hash is stored. */
export async function issueBootstrapToken(
  db: Db,
  node: { id?: string; name?: string },
  createdBy: string | null,
  ttlMinutes = BOOTSTRAP_TOKEN_TTL_MINUTES,
): Promise<{ edge_node_id: string; token: string; expires_at: string }> {
  const token = newBootstrapToken();
  const rows: Array<{ edge_node_id: string; expires_at: Date }> = await db.query(
    `INSERT INTO edge_node_bootstrap_tokens (edge_node_id, token_hash, expires_at, created_by)
     SELECT id, $3, now() + make_interval(mins => $4), $5 FROM edge_nodes
      WHERE ($1::uuid IS NOT NULL AND id = $1::uuid) OR ($1::uuid IS NULL AND name = $2)
     RETURNING edge_node_id, expires_at`,
    [node.id ?? null, node.name ?? null, hashAgentSecret(token), ttlMinutes, createdBy],
  );
  const [row] = rows;
  if (!row) throw problems.notFound('edge node', node.id ?? node.name);
  return { edge_node_id: row.edge_node_id, token, expires_at: row.expires_at.toISOString() };
}
