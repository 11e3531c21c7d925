import { AgentRegistrationRepository, type SqlRunner } from '@anyfront/db';
import { problems } from '../common/problem';
import { hashAgentSecret, newBootstrapToken } from './agent-tokens';

export const BOOTSTRAP_TOKEN_TTL_MINUTES = 60;

/** A one-time token for the node (by id, or by name), valid `ttlMinutes`; only its hash is stored. */
export async function issueBootstrapToken(
  db: SqlRunner,
  node: { id?: string; name?: string },
  createdBy: string | null,
  ttlMinutes = BOOTSTRAP_TOKEN_TTL_MINUTES,
): Promise<{ edge_node_id: string; token: string; expires_at: string }> {
  const token = newBootstrapToken();
  const row = await new AgentRegistrationRepository(db).insertBootstrapToken(node, hashAgentSecret(token), ttlMinutes, createdBy);
  if (!row) throw problems.notFound('edge node', node.id ?? node.name);
  return { edge_node_id: row.edge_node_id, token, expires_at: row.expires_at.toISOString() };
}
