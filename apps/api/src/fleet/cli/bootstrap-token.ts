// Issues a one-time bootstrap token for an edge node (the same as the operator endpoint
// POST /v1/admin/fleet/edge-nodes/{id}/bootstrap-tokens), for scripts such as a local fleet:
//   node -r ./scripts/register.js apps/api/src/fleet/cli/bootstrap-token.ts --node <edge node id or name> [--ttl-minutes 60]
// Prints one JSON line {edge_node_id, token, expires_at}. Needs DATABASE_URL.
import { parseArgs } from 'node:util';
import { createDataSource, databaseUrlFrom } from '@anyfront/db';
import { BOOTSTRAP_TOKEN_TTL_MINUTES, issueBootstrapToken } from '../bootstrap-tokens';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { node: { type: 'string' }, 'ttl-minutes': { type: 'string' } } });
  const node = values.node?.trim();
  if (!node) throw new Error('usage: bootstrap-token --node <edge node id or name> [--ttl-minutes 60]');
  const ttl = Number(values['ttl-minutes'] ?? BOOTSTRAP_TOKEN_TTL_MINUTES);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 7 * 24 * 60) throw new Error('--ttl-minutes must be a whole number from 1 to 10080');
  const ds = createDataSource(databaseUrlFrom(process.env), { poolSize: 1 });
  await ds.initialize();
  try {
    console.log(JSON.stringify(await issueBootstrapToken(ds, UUID.test(node) ? { id: node } : { name: node }, null, ttl)));
  } catch (err) {
    throw new Error(err instanceof Error && err.message.startsWith('No edge node') ? `no edge node "${node}"` : (err as Error).message);
  } finally {
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(`[bootstrap-token] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
