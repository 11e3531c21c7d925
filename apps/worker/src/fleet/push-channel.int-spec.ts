import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@anyfront/db';
import { FleetFixtures, migrateTestDatabase, testDatabaseUrl } from '@anyfront/testing';
import { generateStateSigner } from '@anyfront/state-signing';
import { syncAndPush } from './node-sync';

/** A local HTTP server that records every request and answers with `answer`. */
async function recorder(answer: (res: import('node:http').ServerResponse) => void): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

/** Issue 8, push channel: the worker pushes only to the node's own address and never follows a redirect. */
describe('worker push channel (issue 8)', () => {
  let ds: DataSource;
  let fx: FleetFixtures;
  const signer = generateStateSigner();
  const servers: Server[] = [];

  beforeAll(async () => {
    await migrateTestDatabase();
    ds = createDataSource(testDatabaseUrl(), { poolSize: 2 });
    await ds.initialize();
    fx = new FleetFixtures(ds);
  });
  afterAll(async () => {
    await fx.cleanup();
    await ds.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  const nodeWithPushUrl = async (pushUrl: string) => {
    const node = await fx.node((await fx.pop()).id);
    await ds.query(`INSERT INTO edge_node_fleet_states (edge_node_id, push_url, push_token, registered_at) VALUES ($1, $2, 'push-token-0123456789', now())`, [node, pushUrl]);
    return node;
  };
  const lastPushError = async (node: string) => (await ds.query(`SELECT last_push_error FROM edge_node_fleet_states WHERE edge_node_id = $1`, [node]))[0].last_push_error as string | null;

  it('does not follow a redirect: the push is refused, the redirect target gets nothing', async () => {
    const target = await recorder((res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"applied":true}'));
    const redirecting = await recorder((res) => res.writeHead(307, { location: `${target.url}/v1/desired-state` }).end());
    servers.push(target.server, redirecting.server);
    const node = await nodeWithPushUrl(`${redirecting.url}/v1/desired-state`);

    const r = await syncAndPush(ds, node, { pushTimeoutMs: 5000, signer, labMode: true });
    expect(r.push).toBe('refused');
    expect(redirecting.hits).toEqual(['POST /v1/desired-state']);
    expect(target.hits).toEqual([]);
    expect(await lastPushError(node)).toMatch(/redirect/);
  });

  it('does not push to a URL that is not the node (a row written behind the API), nor to loopback or plain HTTP outside the lab', async () => {
    const agent = await recorder((res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"applied":true}'));
    servers.push(agent.server);
    const loopback = await nodeWithPushUrl(`${agent.url}/v1/desired-state`);
    expect((await syncAndPush(ds, loopback, { pushTimeoutMs: 5000, signer, labMode: false })).push).toBe('refused');
    expect(await lastPushError(loopback)).toMatch(/not pushed: .*must be https/);
    const foreign = await nodeWithPushUrl('https://198.51.100.66/v1/desired-state');
    expect((await syncAndPush(ds, foreign, { pushTimeoutMs: 5000, signer, labMode: false })).push).toBe('refused');
    expect(await lastPushError(foreign)).toMatch(/not pushed: push_url host 198\.51\.100\.66 is not an address of this edge node/);
    expect(agent.hits).toEqual([]);
    // The cheap negative control: the same loopback agent in the lab/local mode gets the push.
    expect((await syncAndPush(ds, loopback, { pushTimeoutMs: 5000, signer, labMode: true })).push).toBe('applied');
    expect(agent.hits).toEqual(['POST /v1/desired-state']);
  });
});
