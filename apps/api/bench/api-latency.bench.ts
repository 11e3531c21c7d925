// API latency at a fixed request rate: p50/p99 for create-service and list-services, next to
// baselines measured in the same run (GET /v1/health: no auth, one DB + Redis ping; GET /v1/me:
// API key lookup + two reads). Runs a real API process on a scratch database.
//   node -r ./scripts/register.js apps/api/bench/api-latency.bench.ts
// Settings: BENCH_RATE (req/s, default 50), BENCH_SECONDS (per phase, default 20),
// DATABASE_URL (server to create the scratch database on; default postgres://postgres@127.0.0.1:5432/anyfront_bench),
// REDIS_URL (default redis://127.0.0.1:6379).
// Set-up goes through the typed client (@anyfront/api-client); the timed requests use a lean
// node:http keep-alive sender, so the figures measure the server: fetch-based clients cost the
// sending process about 0.3 ms more CPU per request on this machine, which would show in a p50 of ~2 ms.
import http from 'node:http';
import { createTenantClient, ok, signup } from '@anyfront/api-client';
import { createScratchDatabase, deleteQueuePrefix } from '@anyfront/testing';
import { startProductionApi } from './fleet-bench-support';

const RATE = Number(process.env.BENCH_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/anyfront_bench';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** One timed request; resolves with the status once the whole answer arrived. */
function send(port: number, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<number> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, agent, headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Open loop: request i is due at start + i/rate; latency counts from when it was due (no coordinated omission). */
async function fixedRate(name: string, request: (i: number) => Promise<number>) {
  const total = Math.round(RATE * SECONDS);
  const latencies: number[] = [];
  const statuses = new Map<number | string, number>();
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      request(i).then(
        (status) => {
          latencies.push(performance.now() - due);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        },
        (err: NodeJS.ErrnoException) => void statuses.set(`error ${err.code ?? err.message}`, (statuses.get(`error ${err.code ?? err.message}`) ?? 0) + 1),
      ),
    );
  }
  await Promise.all(inflight);
  latencies.sort((a, b) => a - b);
  const q = (f: number) => latencies[Math.min(latencies.length - 1, Math.floor(f * latencies.length))];
  const achieved = total / ((performance.now() - start) / 1000);
  return { name, p50: q(0.5), p99: q(0.99), max: latencies[latencies.length - 1], n: total, achieved, statuses: Object.fromEntries(statuses) };
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('bench');
  const queuePrefix = `bench-${process.pid}`;
  const child = await startProductionApi({ DATABASE_URL: scratch.url, REDIS_URL, LOG_LEVEL: 'warn', QUEUE_PREFIX: queuePrefix, REDIS_KEY_PREFIX: `${queuePrefix}:` })
    .catch(async (err: unknown) => { await scratch.drop(); throw err; });
  const port = child.port;
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    const { cookie } = await signup({ baseUrl }, { email: `bench-${process.pid}@example.com`, password: 'bench-password-123', organization_name: 'Bench' });
    const key = await ok(createTenantClient({ baseUrl, cookie }).POST('/v1/api-keys', { body: { name: 'bench', role: 'owner' } }));
    const api = createTenantClient({ baseUrl, bearer: key.secret ?? undefined });
    const auth = { authorization: `Bearer ${key.secret}` };

    const serviceBody = (i: number) => ({ name: `bench-${i}`, listeners: [{ protocol: 'tcp' as const, ports: '443' }] });
    const probe = await api.POST('/v1/services', { body: serviceBody(-1) });
    const haveServices = probe.response.status === 201 || probe.response.status === 202;
    if (!haveServices) console.log(`note: POST /v1/services answered ${probe.response.status} (${JSON.stringify(probe.error).slice(0, 200)}); service phases skipped`);

    // Warm-up (JIT, connection pools).
    for (let i = 0; i < 200; i++) await send(port, 'GET', '/v1/me', undefined, auth);

    console.log(`API latency at ${RATE} req/s for ${SECONDS} s per phase (open loop; latency from the scheduled send time)`);
    const results = [];
    results.push(await fixedRate('GET /v1/health (baseline)', () => send(port, 'GET', '/v1/health')));
    results.push(await fixedRate('GET /v1/me (baseline, API key)', () => send(port, 'GET', '/v1/me', undefined, auth)));
    if (haveServices) {
      results.push(await fixedRate('POST /v1/services (create)', (i) => send(port, 'POST', '/v1/services', serviceBody(i), auth)));
      results.push(await fixedRate('GET /v1/services?limit=50 (list)', () => send(port, 'GET', '/v1/services?limit=50', undefined, auth)));
    }
    const base = results[1].p50;
    console.log('phase                               p50 ms   p99 ms   max ms   p50 vs /v1/me   sent   req/s   statuses');
    for (const r of results) {
      console.log(
        `${r.name.padEnd(36)}${r.p50.toFixed(2).padStart(7)}${r.p99.toFixed(2).padStart(9)}${r.max.toFixed(1).padStart(9)}${(r.p50 / base).toFixed(2).padStart(12)}x${String(r.n).padStart(8)}${r.achieved.toFixed(1).padStart(8)}   ${JSON.stringify(r.statuses)}`,
      );
    }
  } finally {
    await child.stop();
    agent.destroy();
    await deleteQueuePrefix(REDIS_URL, queuePrefix);
    await scratch.drop();
  }
}

main().catch((err: unknown) => {
  console.error(`[api-latency bench] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
