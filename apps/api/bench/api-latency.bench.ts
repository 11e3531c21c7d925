// API latency at a fixed request rate: p50/p99 for create-service and list-services, next to
// baselines measured in the same run (GET /v1/health: no auth, one DB + Redis ping; GET /v1/me:
// API key lookup + two reads). Runs a real API process on a scratch database.
//   node -r ./scripts/register.js apps/api/bench/api-latency.bench.ts
// Settings: BENCH_RATE (req/s, default 50), BENCH_SECONDS (per phase, default 20),
// DATABASE_URL (server to create the scratch database on; default postgres://postgres@127.0.0.1:5432/anyfront_bench),
// REDIS_URL (default redis://127.0.0.1:6379).
import http from 'node:http';
import { createScratchDatabase, deleteQueuePrefix } from '@anyfront/testing';
import { startProductionApi } from './fleet-bench-support';

const RATE = Number(process.env.BENCH_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/anyfront_bench';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

interface Reply {
  status: number;
  body: string;
  ms: number;
}

function send(port: number, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, agent, headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Open loop: request i is due at start + i/rate; latency counts from when it was due (no coordinated omission). */
async function fixedRate(name: string, port: number, make: (i: number) => [string, string, unknown?], headers: Record<string, string>) {
  const total = Math.round(RATE * SECONDS);
  const latencies: number[] = [];
  const statuses = new Map<number | string, number>();
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const [method, p, body] = make(i);
    inflight.push(
      send(port, method, p, body, headers).then(
        (r) => {
          latencies.push(performance.now() - due);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
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
  try {
    const signup = await send(port, 'POST', '/v1/auth/signup', { email: `bench-${process.pid}@example.com`, password: 'bench-password-123', organization_name: 'Bench' });
    if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${signup.body}`);
    const setCookie = await new Promise<string>((resolve, reject) => {
      // Log in again to read the cookie header (send() keeps only the body).
      const payload = JSON.stringify({ email: `bench-${process.pid}@example.com`, password: 'bench-password-123' });
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/auth/login', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.headers['set-cookie']?.[0] ?? '').split(';')[0]));
      });
      req.on('error', reject);
      req.end(payload);
    });
    const key = JSON.parse((await send(port, 'POST', '/v1/api-keys', { name: 'bench', role: 'owner' }, { cookie: setCookie })).body).secret as string;
    const auth = { authorization: `Bearer ${key}` };

    const serviceBody = (i: number) => ({ name: `bench-${i}`, listeners: [{ protocol: 'tcp', ports: '443' }] });
    const probe = await send(port, 'POST', '/v1/services', serviceBody(-1), auth);
    const haveServices = probe.status === 201 || probe.status === 202;
    if (!haveServices) console.log(`note: POST /v1/services answered ${probe.status} (${probe.body.slice(0, 200)}); service phases skipped`);

    // Warm-up (JIT, connection pools).
    for (let i = 0; i < 200; i++) await send(port, 'GET', '/v1/me', undefined, auth);

    console.log(`API latency at ${RATE} req/s for ${SECONDS} s per phase (open loop; latency from the scheduled send time)`);
    const results = [];
    results.push(await fixedRate('GET /v1/health (baseline)', port, () => ['GET', '/v1/health'], {}));
    results.push(await fixedRate('GET /v1/me (baseline, API key)', port, () => ['GET', '/v1/me'], auth));
    if (haveServices) {
      results.push(await fixedRate('POST /v1/services (create)', port, (i) => ['POST', '/v1/services', serviceBody(i)], auth));
      results.push(await fixedRate('GET /v1/services?limit=50 (list)', port, () => ['GET', '/v1/services?limit=50'], auth));
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
