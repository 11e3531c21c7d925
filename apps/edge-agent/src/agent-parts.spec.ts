import type { AddressInfo } from 'node:net';
import { parseAgentConfig, ConfigError } from './config';
import { HealthState, probeTargets } from './health';
import { createAgentServer, fromLoopback } from './http';
import type { Agent } from './agent';
import { allocateMarks, buildPlan, emptyAllocation, wantedMarkKeys } from '@anyfront/dataplane';
import { desiredStateSchema, HealthCheck } from '@anyfront/contracts';

describe('agent config', () => {
  const base = { node_id: 'edge-1', state_dir: '/var/lib/afd', uplink_device: 'eth0' };
  it('fills defaults and applies env overrides', () => {
    const c = parseAgentConfig(base, { ANYFRONT_AGENT_LISTEN_PORT: '9999', ANYFRONT_AGENT_DRY_RUN: '1', ANYFRONT_AGENT_PUSH_TOKEN: 'a'.repeat(16) });
    expect(c).toMatchObject({ listen: { host: '127.0.0.1', port: 9999 }, dry_run: true, push_token: 'a'.repeat(16), nft_table: 'anyfront', mark_base: 0x100000, health: { enabled: true, source_port_base: 10000 } });
  });
  it('refuses unknown keys and bad values with every problem listed', () => {
    expect(() => parseAgentConfig({ ...base, uplink_devcie: 'x', bird: { config_path: '/x', control_socket: '/y', router_id: 'nope', local_as: 0 } }, {})).toThrow(ConfigError);
    try {
      parseAgentConfig({ ...base, uplink_devcie: 'x', bird: { config_path: '/x', control_socket: '/y', router_id: 'nope', local_as: 0 } }, {});
    } catch (e) {
      expect((e as Error).message).toMatch(/uplink_devcie/);
      expect((e as Error).message).toMatch(/router_id/);
      expect((e as Error).message).toMatch(/local_as/);
    }
  });
});

describe('health thresholds', () => {
  const check = { healthy_threshold: 2, unhealthy_threshold: 3 };
  it('flips only after the configured number of consecutive results', () => {
    const h = new HealthState();
    expect(h.record(true, check)).toBeUndefined();
    expect(h.record(true, check)).toBe(true);
    expect(h.record(false, check)).toBeUndefined();
    expect(h.record(false, check)).toBeUndefined();
    expect(h.record(true, check)).toBeUndefined(); // streak broken
    expect([false, false, false].map((x) => h.record(x, check))).toEqual([undefined, undefined, false]);
    expect(h.healthy).toBe(false);
  });
  it('probes every backend from per-mark source ports over each family of the service the edge can source (issue 9 §7)', () => {
    const hc: HealthCheck = { protocol: 'http', port: 8080, path: '/h', interval_seconds: 1, timeout_seconds: 1, healthy_threshold: 1, unhealthy_threshold: 1 };
    const state = desiredStateSchema.parse({ version: 1, generation: 1, node: { id: 'e', pop: 'p' }, hash_seed: 1, pools: [], services: [{
      id: 'web', addresses: [{ address: 'fd00:aa::1', family: 6 }, { address: '198.51.100.10', family: 4 }], listeners: [{ protocol: 'tcp', port_from: 8080, port_to: 8080 }], hash_mode: 'five_tuple', encapsulation: 'srv6', maglev_table_size: 251,
      backends: [{ id: 'b1', address: 'fd00:b::1', weight: 1, enabled: true }, { id: 'b2', address: 'fd00:b::2', weight: 1, enabled: false }], health_check: hc }] });
    const plan = buildPlan(state, allocateMarks(emptyAllocation(0x100000, 100), wantedMarkKeys(state)), () => undefined, { table: 'anyfront', flowTimeoutSeconds: 1, flowTableSize: 1024, probePortBase: 20000 });
    expect(probeTargets(plan, new Map([['web', hc]]), { ipv4: '192.0.2.2' })).toEqual([
      { serviceId: 'web', backendId: 'b1', address: '198.51.100.10', family: 4, localAddress: '192.0.2.2', ports: [20000, 20001], check: hc },
      { serviceId: 'web', backendId: 'b2', address: '198.51.100.10', family: 4, localAddress: '192.0.2.2', ports: [20002, 20003], check: hc },
    ]);
    expect(probeTargets(plan, new Map([['web', hc]]), { ipv4: '192.0.2.2', ipv6: 'fd00:1::2' }).filter((t) => t.backendId === 'b1')).toEqual([
      { serviceId: 'web', backendId: 'b1', address: '198.51.100.10', family: 4, localAddress: '192.0.2.2', ports: [20000, 20001], check: hc },
      { serviceId: 'web', backendId: 'b1', address: 'fd00:aa::1', family: 6, localAddress: 'fd00:1::2', ports: [20000, 20001], check: hc },
    ]);
    expect(probeTargets(plan, new Map([['web', hc]]), {})).toEqual([]);
  });
});

describe('HTTP API', () => {
  const token = 't'.repeat(20);
  const submitted: unknown[] = [];
  const fake = {
    status: () => ({ node_id: 'edge-1', applied_generation: 3 }),
    metricsText: async () => ({ text: 'anyfront_agent_applied_generation 3\n', contentType: 'text/plain; version=0.0.4' }),
    submit: async (body: { generation: number }) => {
      submitted.push(body);
      if (body.generation < 3) return { status: 409, title: 'Stale generation', detail: 'older', generation: 3 };
      if (body.generation === 99) return { status: 422, title: 'Invalid desired state', detail: 'services.0.id: required' };
      return { status: 200, applied: true, generation: body.generation };
    },
    setDrain: async () => undefined,
    reconciler: { announced: false },
  } as unknown as Agent;
  let base = '';
  const server = createAgentServer(fake, token);
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const post = (path: string, body: unknown, auth = `Bearer ${token}`) => fetch(`${base}${path}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('requires the bearer token for pushes and answers problem+json', async () => {
    const res = await post('/v1/desired-state', { generation: 4 }, 'Bearer wrong');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(submitted).toHaveLength(0);
  });
  it('maps outcomes to 200 / 409 / 422 and refuses a body that is not JSON with 400', async () => {
    expect(await (await post('/v1/desired-state', { generation: 4 })).json()).toEqual({ applied: true, generation: 4 });
    const stale = await post('/v1/desired-state', { generation: 2 });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ status: 409, title: 'Stale generation', applied_generation: 3 });
    const invalid = await post('/v1/desired-state', { generation: 99 });
    expect(invalid.status).toBe(422);
    expect(invalid.headers.get('content-type')).toBe('application/problem+json');
    expect((await post('/v1/desired-state', '{nope')).status).toBe(400);
  });
  it('answers status and metrics to this host only, or with the token', () => {
    const peer = (remoteAddress: string) => ({ socket: { remoteAddress } }) as never;
    expect(['127.0.0.1', '127.0.0.53', '::1', '::ffff:127.0.0.1'].map((a) => fromLoopback(peer(a)))).toEqual([true, true, true, true]);
    expect(['192.0.2.7', '::ffff:192.0.2.7', 'fd00::1', ''].map((a) => fromLoopback(peer(a)))).toEqual([false, false, false, false]);
  });
  it('serves status, metrics, drain and 404s', async () => {
    expect(await (await fetch(`${base}/v1/status`)).json()).toEqual({ node_id: 'edge-1', applied_generation: 3 });
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('anyfront_agent_applied_generation 3');
    expect(await (await post('/v1/drain', {})).json()).toEqual({ drained: true, announced: false });
    expect((await post('/v1/undrain', {}, '')).status).toBe(401);
    expect((await fetch(`${base}/v2/nope`)).status).toBe(404);
  });
});
