import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverWebhookJob } from '@anyfront/contracts';
import { OutboxRepository } from '@anyfront/db';
import { verifyWebhookSignature, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER } from '@anyfront/domain';
import { type AppProcess, createScratchDatabase, FleetFixtures, operator, signup, sleep, startWorkerProcesses, stopProcesses, waitFor } from '@anyfront/testing';
import { createTestApp, type TestApp } from '../testing';

/**
 * Tenant webhooks against a local HTTP receiver, with the API in local mode (loopback receivers
 * allowed) and a real worker: a relocation notice reaches the moved service's organization only,
 * signed with its secret; a 500 is retried with the same event id and delivered once; a duplicate
 * job sends nothing; a deleted endpoint receives nothing. URLs the SSRF rules refuse are 422.
 */
jest.setTimeout(180_000);

interface Received { path: string; headers: http.IncomingHttpHeaders; body: string }

describe('tenant webhooks', () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  let worker: AppProcess | undefined;
  let receiver: http.Server;
  let base: string;
  const received: Received[] = [];
  /** Paths answered with 500 this many more times. */
  const failures = new Map<string, number>();

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body });
        const left = failures.get(req.url ?? '') ?? 0;
        if (left > 0) failures.set(req.url ?? '', left - 1);
        res.statusCode = left > 0 ? 500 : 204;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    scratch = await createScratchDatabase('hooks');
    t = await createTestApp({ env: { DATABASE_URL: scratch.url, ANYFRONT_MODE: 'local' } });
    [worker] = await startWorkerProcesses(1, { DATABASE_URL: scratch.url, REDIS_URL: t.config.redisUrl, QUEUE_PREFIX: t.config.queuePrefix, ANYFRONT_MODE: 'local', SLOT_RETRY_INTERVAL_SECONDS: '3600' });
  });

  afterAll(async () => {
    if (worker) await stopProcesses([worker]);
    await t?.close();
    await scratch?.drop();
    await new Promise((r) => receiver?.close(r));
  });

  it('refuses URLs the SSRF rules refuse, and bad input, with problems; the secret is shown once', async () => {
    const a = await signup(t);
    for (const [url, status] of [['ftp://127.0.0.1/x', 422], ['http://user:pw@127.0.0.1/x', 422], ['http://224.0.0.1/x', 422], ['http://0.0.0.0/x', 422], ['http://no-such-host.invalid/x', 422], ['', 400]] as const) {
      const res = await a.bearer.post('/v1/webhooks').send({ url });
      expect([url, res.status, res.headers['content-type'], res.body.errors?.[0]?.field]).toEqual([url, status, expect.stringContaining('application/problem+json'), 'url']);
    }
    const created = await a.bearer.post('/v1/webhooks').send({ url: `${base}/a`, description: 'ops' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: `${base}/a`, description: 'ops', events: ['relocation.notice'], secret: expect.stringMatching(/^whsec_/) });
    const list = await a.bearer.get('/v1/webhooks');
    expect(list.body.data).toEqual([expect.objectContaining({ id: created.body.id })]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
    // Another organization sees none of it and cannot delete it.
    const b = await signup(t);
    expect((await b.bearer.get('/v1/webhooks')).body.data).toEqual([]);
    expect((await b.bearer.delete(`/v1/webhooks/${created.body.id}`)).status).toBe(404);
    expect((await a.bearer.delete(`/v1/webhooks/${created.body.id}`)).status).toBe(204);
    expect((await a.bearer.get('/v1/webhooks')).body.data).toEqual([]);
  });

  it('delivers a relocation notice signed to the moved tenant only, retries a 500 with the same id, sends a duplicate job nothing', async () => {
    const fx = new FleetFixtures(t.dataSource);
    const pop = await fx.pop();
    const [poolA, poolB, target] = [await fx.pool([pop.id]), await fx.pool([pop.id]), await fx.pool([pop.id])];
    await t.dataSource.query(`UPDATE pools SET state = 'active' WHERE id = $1`, [target.id]);
    const op = await operator(t);
    const a = await signup(t);
    const b = await signup(t);
    const hookA = (await a.bearer.post('/v1/webhooks').send({ url: `${base}/tenant-a` })).body;
    const hookB = (await b.bearer.post('/v1/webhooks').send({ url: `${base}/tenant-b` })).body;
    const gone = (await a.bearer.post('/v1/webhooks').send({ url: `${base}/deleted` })).body;
    expect((await a.bearer.delete(`/v1/webhooks/${gone.id}`)).status).toBe(204);
    const sa = await fx.service(a.organizationId, [poolA, poolB]);
    await fx.service(b.organizationId, [poolA, poolB]);
    failures.set('/tenant-a', 1);

    const reloc = await op.session.post('/v1/admin/relocations').send({ address: sa.addresses[0], target_pool_id: target.id, reason: 'upstream change', notice_days: 7 });
    expect(reloc.status).toBe(201);
    // First attempt answered 500, the retry (job backoff 5 s) 204.
    await waitFor(() => `two deliveries to tenant A\n${worker?.output().slice(-2000)}`, async () => received.filter((r) => r.path === '/tenant-a').length === 2, 60_000, 200);
    const [first, second] = received.filter((r) => r.path === '/tenant-a') as [Received, Received];
    expect(second.body).toBe(first.body);
    expect(second.headers[WEBHOOK_ID_HEADER]).toBe(first.headers[WEBHOOK_ID_HEADER]);
    const now = Math.floor(Date.now() / 1000);
    expect(verifyWebhookSignature(second.headers[WEBHOOK_SIGNATURE_HEADER] as string, second.body, hookA.secret, now)).toBe(true);
    // Negative controls of the check itself: another tenant's secret, a changed body.
    expect(verifyWebhookSignature(second.headers[WEBHOOK_SIGNATURE_HEADER] as string, second.body, hookB.secret, now)).toBe(false);
    expect(verifyWebhookSignature(second.headers[WEBHOOK_SIGNATURE_HEADER] as string, second.body.replace('upstream', 'Upstream'), hookA.secret, now)).toBe(false);
    const event = JSON.parse(second.body);
    expect(event).toMatchObject({
      id: second.headers[WEBHOOK_ID_HEADER], type: 'relocation.notice',
      data: { relocation_id: reloc.body.id, service_id: sa.id, old_address: sa.addresses[0], new_address: reloc.body.moves[0].new_address, deadline: reloc.body.notice_ends_at, reason: 'upstream change' },
    });
    const [row] = await t.dataSource.query(`SELECT id, state, attempts, last_status FROM webhook_deliveries WHERE event_id = $1`, [event.id]);
    expect(row).toMatchObject({ state: 'delivered', attempts: 2, last_status: 204 });

    // A duplicate job for the delivered row sends nothing.
    await t.dataSource.transaction((tx) => new OutboxRepository(tx, t.config.queuePrefix).add([deliverWebhookJob(row.id)]));
    await sleep(3000);
    expect(received.filter((r) => r.path === '/tenant-a')).toHaveLength(2);
    // Tenant B's service did not move (nothing for B); the deleted endpoint got nothing.
    expect(received.filter((r) => r.path === '/tenant-b' || r.path === '/deleted')).toEqual([]);
  });
});
