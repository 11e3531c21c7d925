import { randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import { type AppProcess, fleetDatabaseSuite, freePort, startTsProcess, stopProcesses, waitFor } from '@anyfront/testing';
import { describeKey, generateStateSigner, PUSH_SIGNATURE_HEADER, signDesiredState, signPushRequest } from '@anyfront/state-signing';
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
  const db = fleetDatabaseSuite();
  const signer = generateStateSigner();
  const servers: Server[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  const nodeWithPushUrl = async (pushUrl: string) => {
    const node = await db.fx.node((await db.fx.pop()).id);
    await db.ds.query(`INSERT INTO edge_node_fleet_states (edge_node_id, push_url, registered_at) VALUES ($1, $2, now())`, [node, pushUrl]);
    return node;
  };
  const lastPushError = async (node: string) => (await db.ds.query(`SELECT last_push_error FROM edge_node_fleet_states WHERE edge_node_id = $1`, [node]))[0].last_push_error as string | null;

  it('does not follow a redirect: the push is refused, the redirect target gets nothing', async () => {
    const target = await recorder((res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"applied":true}'));
    const redirecting = await recorder((res) => res.writeHead(307, { location: `${target.url}/v1/desired-state` }).end());
    servers.push(target.server, redirecting.server);
    const node = await nodeWithPushUrl(`${redirecting.url}/v1/desired-state`);

    const r = await syncAndPush(db.ds, node, { pushTimeoutMs: 5000, signer, labMode: true });
    expect(r.push).toBe('refused');
    expect(redirecting.hits).toEqual(['POST /v1/desired-state']);
    expect(target.hits).toEqual([]);
    expect(await lastPushError(node)).toMatch(/redirect/);
  });

  it('does not push to a URL that is not the node (a row written behind the API), nor to loopback or plain HTTP outside the lab', async () => {
    const agent = await recorder((res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"applied":true}'));
    servers.push(agent.server);
    const loopback = await nodeWithPushUrl(`${agent.url}/v1/desired-state`);
    expect((await syncAndPush(db.ds, loopback, { pushTimeoutMs: 5000, signer, labMode: false })).push).toBe('refused');
    expect(await lastPushError(loopback)).toMatch(/not pushed: .*must be https/);
    const foreign = await nodeWithPushUrl('https://198.51.100.66/v1/desired-state');
    expect((await syncAndPush(db.ds, foreign, { pushTimeoutMs: 5000, signer, labMode: false })).push).toBe('refused');
    expect(await lastPushError(foreign)).toMatch(/not pushed: push_url host 198\.51\.100\.66 is not an address of this edge node/);
    expect(agent.hits).toEqual([]);
    // The cheap negative control: the same loopback agent in the lab/local mode gets the push.
    expect((await syncAndPush(db.ds, loopback, { pushTimeoutMs: 5000, signer, labMode: true })).push).toBe('applied');
    expect(agent.hits).toEqual(['POST /v1/desired-state']);
  });
});

/**
 * A real edge agent (dry run: no kernel touched) on 127.0.0.1, configured with no push token at all:
 * the worker's signed pushes are its only way in.
 */
describe('worker push to a real agent: signed requests, no stored push secret (issue 8)', () => {
  const db = fleetDatabaseSuite();
  let agent: AppProcess | undefined;
  let dir = '';
  const signer = generateStateSigner();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'af-push-'));
  });
  afterAll(async () => {
    if (agent) await stopProcesses([agent]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the agent applies a signed push; unsigned, badly signed, other-node and bearer-guess pushes are refused; the database holds no push secret', async () => {
    const node = await db.fx.node((await db.fx.pop()).id);
    const [{ v6 }] = await db.ds.query(`SELECT host(tunnel_source_ipv6) AS v6 FROM edge_nodes WHERE id = $1`, [node]);
    const port = await freePort();
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({
      node_id: node, state_dir: join(dir, 'state'), listen: { host: '127.0.0.1', port }, uplink_device: 'lo', tunnel_source_ipv6: v6,
      dry_run: true, allow_documentation_addresses: true, health: { enabled: false }, state_keys: [describeKey(signer.publicKey).public_key], log_level: 'info',
    }));
    agent = startTsProcess('apps/edge-agent/src/main.ts', { ANYFRONT_AGENT_CONFIG: config });
    await waitFor(() => `agent ready:\n${agent?.output().slice(-2000)}`, () => /agent ready/.test(agent?.output() ?? ''), 60_000, 200);
    const pushUrl = `http://127.0.0.1:${port}/v1/desired-state`;
    await db.ds.query(`INSERT INTO edge_node_fleet_states (edge_node_id, push_url, registered_at) VALUES ($1, $2, now())`, [node, pushUrl]);

    const first = await syncAndPush(db.ds, node, { pushTimeoutMs: 10_000, signer, labMode: true });
    expect(first).toMatchObject({ push: 'applied', generation: 1 });
    const columns = (await db.ds.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'edge_node_fleet_states'`)).map((c: { column_name: string }) => c.column_name);
    expect(columns).not.toContain('push_token');

    // What a reader of the database, or a network attacker, could send: all refused before anything is applied.
    const [{ desired_state: state }] = await db.ds.query(`SELECT desired_state FROM edge_node_fleet_states WHERE edge_node_id = $1`, [node]);
    // A state correctly signed by the control plane: so only the push authentication can refuse it below.
    const body = JSON.stringify(signDesiredState({ ...state, generation: Number.MAX_SAFE_INTEGER }, signer));
    const post = (headers: Record<string, string>) => fetch(pushUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const outsider = generateStateSigner();
    const attempts = {
      unsigned: await post({}),
      bearerGuess: await post({ authorization: 'Bearer push-token-0123456789' }),
      otherKey: await post({ [PUSH_SIGNATURE_HEADER]: signPushRequest({ method: 'POST', path: '/v1/desired-state', nodeId: node, body }, outsider) }),
      otherBody: await post({ [PUSH_SIGNATURE_HEADER]: signPushRequest({ method: 'POST', path: '/v1/desired-state', nodeId: node, body: '{}' }, signer) }),
      otherNode: await post({ [PUSH_SIGNATURE_HEADER]: signPushRequest({ method: 'POST', path: '/v1/desired-state', nodeId: randomUUID(), body }, signer) }),
      stale: await post({ [PUSH_SIGNATURE_HEADER]: signPushRequest({ method: 'POST', path: '/v1/desired-state', nodeId: node, body }, signer, Date.now() - 3_600_000) }),
    };
    expect(Object.fromEntries(Object.entries(attempts).map(([k, r]) => [k, r.status]))).toEqual({ unsigned: 401, bearerGuess: 401, otherKey: 401, otherBody: 401, otherNode: 401, stale: 401 });
    const status = (await (await fetch(`http://127.0.0.1:${port}/v1/status`)).json()) as { applied_generation: number };
    expect(status.applied_generation).toBe(1);

    // The cheap negative control: the same request, correctly signed, is applied (the state itself is genuine).
    const genuine = await post({ [PUSH_SIGNATURE_HEADER]: signPushRequest({ method: 'POST', path: '/v1/desired-state', nodeId: node, body }, signer) });
    expect(genuine.status).toBe(200);
  });
});

/**
 * TLS for pushes outside the lab: a real agent (dry run) serving HTTPS with its self-generated
 * certificate; the worker pins the fingerprint the agent reports.
 */
describe('pinned TLS push to a real agent (issue 8)', () => {
  const db = fleetDatabaseSuite();
  let agent: AppProcess | undefined;
  let dir = '';
  const signer = generateStateSigner();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'af-push-tls-'));
  });
  afterAll(async () => {
    if (agent) await stopProcesses([agent]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('pushes over TLS to the pinned certificate; a wrong or missing fingerprint is refused before any request is sent', async () => {
    const node = await db.fx.node((await db.fx.pop()).id);
    const [{ v6 }] = await db.ds.query(`SELECT host(tunnel_source_ipv6) AS v6 FROM edge_nodes WHERE id = $1`, [node]);
    const port = await freePort();
    const stateDir = join(dir, 'state');
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({
      node_id: node, state_dir: stateDir, listen: { host: '127.0.0.1', port, tls: true }, uplink_device: 'lo', tunnel_source_ipv6: v6,
      dry_run: true, allow_documentation_addresses: true, health: { enabled: false }, state_keys: [describeKey(signer.publicKey).public_key], log_level: 'info',
    }));
    agent = startTsProcess('apps/edge-agent/src/main.ts', { ANYFRONT_AGENT_CONFIG: config });
    await waitFor(() => `agent ready:\n${agent?.output().slice(-2000)}`, () => /agent ready/.test(agent?.output() ?? ''), 60_000, 200);
    // What the agent reports as push_tls_fingerprint (it logs it at start, and registers it with the push URL).
    const fingerprint = new X509Certificate(readFileSync(join(stateDir, 'push-tls.crt'))).fingerprint256;
    expect(agent.output()).toContain(fingerprint);
    const pushUrl = `https://127.0.0.1:${port}/v1/desired-state`;
    await db.ds.query(`INSERT INTO edge_node_fleet_states (edge_node_id, push_url, push_tls_fingerprint, registered_at) VALUES ($1, $2, $3, now())`, [node, pushUrl, fingerprint]);
    const status = async () => ((await (await undiciFetch(`https://127.0.0.1:${port}/v1/status`, { dispatcher: new UndiciAgent({ connect: { rejectUnauthorized: false } }) })).json()) as { applied_generation: number }).applied_generation;

    // A wrong pin (another certificate's fingerprint): refused, nothing applied.
    const wrong = fingerprint.replace(/^../, fingerprint.startsWith('00') ? '01' : '00');
    await db.ds.query(`UPDATE edge_node_fleet_states SET push_tls_fingerprint = $2 WHERE edge_node_id = $1`, [node, wrong]);
    const refused = await syncAndPush(db.ds, node, { pushTimeoutMs: 10_000, signer, labMode: true });
    expect(refused.push).toBe('refused');
    const [{ last_push_error }] = await db.ds.query(`SELECT last_push_error FROM edge_node_fleet_states WHERE edge_node_id = $1`, [node]);
    expect(last_push_error).toMatch(/fingerprint mismatch/);
    // No pin: the usual certificate checks refuse a self-signed certificate.
    await db.ds.query(`UPDATE edge_node_fleet_states SET push_tls_fingerprint = NULL WHERE edge_node_id = $1`, [node]);
    expect((await syncAndPush(db.ds, node, { pushTimeoutMs: 10_000, signer, labMode: true })).push).toBe('refused');
    expect(await status()).toBe(0);

    // The pinned certificate: applied. (labMode only because the agent listens on loopback; the URL policy is tested above.)
    await db.ds.query(`UPDATE edge_node_fleet_states SET push_tls_fingerprint = $2 WHERE edge_node_id = $1`, [node, fingerprint]);
    const applied = await syncAndPush(db.ds, node, { pushTimeoutMs: 10_000, signer, labMode: true });
    expect(applied).toMatchObject({ push: 'applied' });
    expect(await status()).toBe(applied.generation);
  });
});
