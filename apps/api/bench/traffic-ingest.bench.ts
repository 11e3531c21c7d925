// Traffic-report ingestion throughput through the real API process: BENCH_AGENTS node credentials
// send BENCH_REPORTS reports (one address + one backend delta each) with BENCH_CONCURRENCY requests
// in flight, then 10 % of them again (replays). Afterwards the stored totals are checked: every
// report counted exactly once, nothing lost. Baseline: GET /v1/health at the same concurrency.
//   node -r ./scripts/register.js apps/api/bench/traffic-ingest.bench.ts
// Settings: BENCH_AGENTS (default 50), BENCH_REPORTS (default 5000), BENCH_CONCURRENCY (default 32),
// DATABASE_URL (server for the scratch database), REDIS_URL.
import { randomBytes } from 'node:crypto';
import { hashAgentSecret } from '../src/fleet/agent-tokens';
import { createAgentClient, type AgentClient } from '@anyfront/api-client';
import { seedFleet, startStack } from './fleet-bench-support';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 50);
const REPORTS = Number(process.env.BENCH_REPORTS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

async function closedLoop(total: number, concurrency: number, send: (i: number) => Promise<number>): Promise<{ seconds: number; statuses: Record<string, number> }> {
  let next = 0;
  const statuses: Record<string, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const s = await send(i).catch((e: NodeJS.ErrnoException) => `error ${(e.cause as Error | undefined)?.message ?? e.code ?? e.message}`);
        statuses[s] = (statuses[s] ?? 0) + 1;
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, statuses };
}

async function main(): Promise<void> {
  const stack = await startStack();
  try {
    const { nodeIds, serviceId, address } = await seedFleet(stack.db, stack.organizationId, { pops: 5, nodes: AGENTS });
    const backendId = (await stack.db.query(`SELECT id FROM backends WHERE service_id = $1`, [serviceId])).rows[0].id as string;
    const agents: AgentClient[] = [];
    for (const id of nodeIds) {
      const secret = `afn_${randomBytes(32).toString('base64url')}`;
      await stack.db.query(`INSERT INTO edge_node_credentials (edge_node_id, secret_hash) VALUES ($1, $2)`, [id, hashAgentSecret(secret)]);
      agents.push(createAgentClient({ baseUrl: stack.api, bearer: secret }));
    }
    const now = Date.now();
    // Report i: agent i % AGENTS, its sequence floor(i / AGENTS), 10 s intervals going back from now.
    const report = (i: number) => {
      const seq = Math.floor(i / AGENTS);
      return {
        sequence: seq,
        interval_start: new Date(now - (seq + 1) * 10_000).toISOString(),
        interval_seconds: 10,
        addresses: [{ address, bytes: 1000 + (i % 97), packets: 1 + (i % 7) }],
        backends: [{ backend_id: backendId, bytes: 1000 + (i % 97), packets: 1 + (i % 7) }],
      };
    };
    const post = async (i: number) => (await agents[i % AGENTS].POST('/v1/agent/traffic', { body: report(i) })).response.status;
    const health = async () => (await stack.client.GET('/v1/health')).response.status;

    await closedLoop(500, CONCURRENCY, health); // warm-up
    const healthRun = await closedLoop(2000, CONCURRENCY, health);
    const ingest = await closedLoop(REPORTS, CONCURRENCY, post);
    const replays = Math.floor(REPORTS / 10);
    const replay = await closedLoop(replays, CONCURRENCY, (i) => post(i * 10));

    let expectedBytes = 0;
    let expectedPackets = 0;
    for (let i = 0; i < REPORTS; i++) {
      expectedBytes += 1000 + (i % 97);
      expectedPackets += 1 + (i % 7);
    }
    const { rows } = await stack.db.query(
      `SELECT (SELECT count(*)::int FROM traffic_reports) AS reports,
              (SELECT coalesce(sum(bytes), 0)::bigint FROM traffic_samples WHERE kind = 'address') AS bytes,
              (SELECT coalesce(sum(packets), 0)::bigint FROM traffic_samples WHERE kind = 'address') AS packets`,
    );
    const ok = rows[0].reports === REPORTS && Number(rows[0].bytes) === expectedBytes && Number(rows[0].packets) === expectedPackets;
    const rate = (n: number, s: number) => (n / s).toFixed(0);
    console.log(`traffic ingestion, ${AGENTS} agents, ${CONCURRENCY} requests in flight`);
    console.log('phase                          requests   req/s   vs health   statuses');
    console.log(`GET /v1/health (baseline)      ${String(2000).padStart(8)}${rate(2000, healthRun.seconds).padStart(8)}${'1.00x'.padStart(12)}   ${JSON.stringify(healthRun.statuses)}`);
    console.log(`POST /v1/agent/traffic         ${String(REPORTS).padStart(8)}${rate(REPORTS, ingest.seconds).padStart(8)}${((REPORTS / ingest.seconds) / (2000 / healthRun.seconds)).toFixed(2).padStart(11)}x   ${JSON.stringify(ingest.statuses)}`);
    console.log(`replays (duplicates)           ${String(replays).padStart(8)}${rate(replays, replay.seconds).padStart(8)}${((replays / replay.seconds) / (2000 / healthRun.seconds)).toFixed(2).padStart(11)}x   ${JSON.stringify(replay.statuses)}`);
    console.log(`stored: ${rows[0].reports} reports, ${rows[0].bytes} bytes, ${rows[0].packets} packets; expected ${REPORTS}, ${expectedBytes}, ${expectedPackets}: ${ok ? 'nothing lost or double-counted' : 'MISMATCH'}`);
    if (!ok) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
