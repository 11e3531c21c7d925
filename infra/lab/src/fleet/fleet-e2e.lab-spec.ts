/**
 * End to end through the real control plane: a tenant's API calls reach the kernel of both lab
 * edges (API -> Postgres/Redis -> worker -> agent push/pull -> nft/ip/BIRD), the lab client's
 * traffic reaches the backends, and the bytes come back as the service's traffic and the
 * organization's usage. Also: a removed backend gets no new flows, an agent that was down converges
 * by pulling, and a worker killed during a burst of changes leaves every agent on the newest
 * generation after its restart.
 */
import { AgentStatus, agentStatus } from '../agent';
import { waitFor } from '../exec';
import { edgeByName } from '../lab';
import { byBackend, runLoad } from '../loadgen-client';
import { linkCounters } from '../netns';
import { backends, clients, edges } from '../topology';
import { ok, type TenantClient } from './api-client';
import { addKitTokens } from '../backend-prep';
import { ControlPlaneLab, prepareLabBackends, startControlPlaneLab, startEdgeAgent, stopControlPlaneLab, stopEdgeAgent, waitForRouteVia } from './control-plane-lab';
import { ipBytes, LAB_ROUTED_PREFIXES, reachableAddresses } from './lab-addresses';
import { Platform, startPlatform } from './platform';

jest.setTimeout(300_000);

type CpStatus = Omit<AgentStatus, 'services'> & { services: { id: string; addresses: string[]; backends: { id: string; enabled: boolean; weight: number; healthy: boolean | null }[] }[] };

const status = async (edge: string): Promise<CpStatus> => (await agentStatus(edgeByName(edge))) as CpStatus;

describe('fleet end to end: API -> worker -> agents -> kernel -> traffic -> usage', () => {
  let platform: Platform;
  let lab: ControlPlaneLab;
  let tenant: TenantClient;
  let serviceId: string;
  let targets: string[];
  const backendIds: Record<string, string> = {};
  const startedAt = new Date();

  const fleetNodes = async () => (await ok(platform.operator.GET('/v1/admin/fleet/edge-nodes', { params: { query: { limit: 100 } } }))).data;

  /** Every lab agent applied the API's newest generation for its node and nothing is pending. */
  const waitConverged = async (what: string, check: (s: CpStatus) => boolean = () => true): Promise<void> => {
    await waitFor(`every agent on the newest generation (${what})`, async () => {
      const nodes = await fleetNodes();
      for (const e of lab.edges) {
        const n = nodes.find((x) => x.id === e.nodeId);
        if (!n || n.sync_pending || n.desired_generation === 0) return false;
        const s = await status(e.name);
        if (s.applied_generation !== n.desired_generation || n.applied_generation !== n.desired_generation || !check(s)) return false;
      }
      return true;
    }, 90_000, 250);
  };
  const serviceOn = (s: CpStatus) => s.services.find((x) => x.id === serviceId);

  beforeAll(async () => {
    platform = await startPlatform({ tag: 'labfleet' });
    const op = platform.operator;
    const pop = async (code: string) => (await ok(op.POST('/v1/admin/pops', { body: { code, name: `Lab ${code}`, region: 'lab' } }))).id;
    const [lab1, lab2, lab3] = [await pop('lab1'), await pop('lab2'), await pop('lab3')];
    // The edges' PoPs announce the pools the lab router accepts; the second IPv4 pool (a service
    // needs two) goes to a PoP without lab edges, so nothing in the lab announces it.
    await ok(op.POST('/v1/admin/pools', { body: { prefix: LAB_ROUTED_PREFIXES[0], scope: 'global', pop_ids: [lab1, lab2] } }));
    await ok(op.POST('/v1/admin/pools', { body: { prefix: '198.51.100.0/24', scope: 'global', pop_ids: [lab3] } }));
    await ok(op.POST('/v1/admin/pools', { body: { prefix: LAB_ROUTED_PREFIXES[1], scope: 'global', pop_ids: [lab1, lab2] } }));
    lab = await startControlPlaneLab({
      apiUrl: platform.apiUrl,
      operator: op,
      popCodes: { edge1: 'lab1', edge2: 'lab2' },
      trafficIntervalSeconds: 1,
      statusIntervalSeconds: 1,
      // Periodic pulls off: convergence below must come from the worker's pushes, or from the pull at start.
      pullIntervalSeconds: 3600,
      log: (m) => { if (process.env.ANYFRONT_LAB_VERBOSE) console.log(`[lab] ${m}`); },
    });
    tenant = (await platform.tenant()).api;
  }, 300_000);

  afterAll(async () => {
    if (!process.env.ANYFRONT_LAB_KEEP) await stopControlPlaneLab().catch((e) => console.error(e));
    await platform?.stop();
  }, 120_000);

  it('registers both agents: heartbeats, applied generation, no lag', async () => {
    await waitConverged('registration');
    const nodes = await fleetNodes();
    expect(nodes.map((n) => n.name).sort()).toEqual(edges.map((e) => `lab-${e.name}`).sort());
    for (const n of nodes) expect(n.last_heartbeat_at).not.toBeNull();
  });

  it('programs a new service with its backends on both edges; the client reaches every backend', async () => {
    const created = await ok(tenant.POST('/v1/services', { body: {
      name: 'lab-web',
      listeners: [{ protocol: 'tcp', ports: '80' }],
      health_check: { protocol: 'http', port: 80, path: '/health', interval_seconds: 2, timeout_seconds: 1, healthy_threshold: 1, unhealthy_threshold: 2 },
    } }));
    serviceId = created.id;
    const svc = await waitFor('service active with its addresses', async () => {
      const s = await ok(tenant.GET('/v1/services/{id}', { params: { path: { id: serviceId } } }));
      return s.status === 'active' && s.addresses.length === 3 ? s : undefined;
    }, 60_000, 250);
    targets = reachableAddresses(svc.addresses);
    expect(targets).toHaveLength(2); // one IPv4 from 192.0.2.0/24, one IPv6 from fd00:a0::/48
    await prepareLabBackends(targets);
    for (const b of backends) {
      const created = await ok(tenant.POST('/v1/services/{id}/backends', { params: { path: { id: serviceId } }, body: { address: b.link.peerV6 } }));
      backendIds[b.name] = created.id;
      // The tenant's step: the backend's kit gets the token the API gave this backend (ownership proof).
      await addKitTokens(b, [created.verification_token]);
    }
    await waitConverged('service with three healthy backends', (s) => {
      const x = serviceOn(s);
      return !!x && x.backends.length === 3 && x.backends.every((b) => b.healthy === true) && targets.every((a) => x.addresses.includes(a)) && s.announced;
    });
    for (const p of LAB_ROUTED_PREFIXES) await waitForRouteVia(p, edges.map((e) => e.name));

    for (const host of targets) {
      const flows = await runLoad('client1', { kind: 'whoami', host, count: 60, concurrency: 6 });
      expect(flows.filter((f) => !f.ok)).toEqual([]);
      expect(Object.keys(byBackend(flows)).sort()).toEqual(backends.map((b) => b.name));
    }
  });

  it('shows the service deployed with per-PoP detail', async () => {
    const d = await waitFor('deployment deployed', async () => {
      const r = await ok(tenant.GET('/v1/services/{id}/deployment', { params: { path: { id: serviceId } } }));
      return r.status === 'deployed' ? r : undefined;
    }, 30_000, 250);
    expect(d.edge_nodes).toBe(2);
    expect(d.edge_nodes_deployed).toBe(2);
    expect(d.pops.map((p) => p.pop_code).sort()).toEqual(['lab1', 'lab2']);
    const service = await ok(tenant.GET('/v1/services/{id}', { params: { path: { id: serviceId } } }));
    expect(service.deployment?.status).toBe('deployed');
    expect(service.deployment?.pops).toHaveLength(2);
  });

  it("counts the client's bytes once in the service's traffic and the organization's usage", async () => {
    const client = clients[0];
    // Everything client1 ever sent went to the service's addresses (plus a few ARP/ND frames).
    for (const host of targets) {
      const up = await runLoad('client1', { kind: 'upload', host, bytes: 300_000 });
      expect(up.every((f) => f.ok)).toBe(true);
    }
    // The connections' last packets (the client's ACK of the backend's FIN) may leave after the load
    // generator returned: read the client's counters once they are quiet, else the edges count a
    // packet the client's counters did not (the one-packet, 60-byte difference seen when the lab was busier).
    let after = await linkCounters(client.ns, client.link.peerIf);
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const again = await linkCounters(client.ns, client.link.peerIf);
      if (again.txPackets === after.txPackets) break;
      after = again;
    }
    const sentIp = ipBytes(after.txBytes, after.txPackets);
    const from = new Date(startedAt.getTime() - 3_600_000).toISOString();
    const traffic = async () => (await ok(tenant.GET('/v1/services/{id}/traffic', { params: { path: { id: serviceId }, query: { from, step: '1h' } } }))).total;
    // Control-plane frames (ARP, neighbour discovery) are all the client sent besides the flows.
    const slackBytes = 4_000;
    // Reported, and unchanged over more than one report interval (1 s): every counted packet is in.
    let last = -1;
    const got = await waitFor('traffic reported', async () => {
      const t = await traffic();
      const done = t.bytes >= sentIp - slackBytes && t.bytes === last;
      last = t.bytes;
      return done ? t : undefined;
    }, 60_000, 1500);
    await new Promise((r) => setTimeout(r, 3_000)); // a few more report intervals: nothing may be counted twice
    const settled = await traffic();
    if (process.env.ANYFRONT_LAB_VERBOSE) console.log(`[lab] client sent ${sentIp} IP bytes in ${after.txPackets} frames; API counted ${settled.bytes} bytes, ${settled.packets} packets`);
    expect(settled).toEqual(got);
    expect(settled.bytes).toBeLessThanOrEqual(sentIp);
    expect(settled.bytes).toBeGreaterThanOrEqual(sentIp - slackBytes);
    expect(settled.packets).toBeLessThanOrEqual(after.txPackets);
    expect(settled.packets).toBeGreaterThanOrEqual(after.txPackets - 60);

    // Per PoP: both edges forwarded part of the flows (ECMP), and the parts add up to the total.
    const byPop = await ok(tenant.GET('/v1/services/{id}/traffic', { params: { path: { id: serviceId }, query: { from, step: '1h', by: 'pop' } } }));
    expect(byPop.series.map((x) => x.pop_code).sort()).toEqual(['lab1', 'lab2']);
    expect(byPop.series.reduce((acc, x) => acc + x.points.reduce((a, p) => a + p.bytes, 0), 0)).toBe(settled.bytes);

    const usage = await waitFor('usage rolled up', async () => {
      const u = await ok(tenant.GET('/v1/usage'));
      return u.total.bytes === settled.bytes ? u : undefined;
    }, 60_000, 500);
    expect(usage.total).toEqual(settled);
  });

  it('a deleted backend is removed on every edge and gets no new flows', async () => {
    await ok(tenant.DELETE('/v1/services/{id}/backends/{backend_id}', { params: { path: { id: serviceId, backend_id: backendIds.be3 } } }));
    await waitConverged('be3 removed', (s) => !!serviceOn(s) && serviceOn(s)!.backends.every((b) => b.id !== backendIds.be3));
    const flows = await runLoad('client1', { kind: 'whoami', host: targets[0], count: 60, concurrency: 6 });
    expect(flows.filter((f) => !f.ok)).toEqual([]);
    expect(Object.keys(byBackend(flows)).sort()).toEqual(['be1', 'be2']);
  });

  it('an agent that was down while the service changed converges by pulling at start', async () => {
    // No worker: nothing can push; only the restarted agent's own pull can bring the change.
    await platform.killWorker();
    await stopEdgeAgent('edge2');
    await ok(tenant.PATCH('/v1/services/{id}/backends/{backend_id}', { params: { path: { id: serviceId, backend_id: backendIds.be2 } }, body: { weight: 3 } }));
    const edge2 = lab.edges.find((e) => e.name === 'edge2')!;
    await startEdgeAgent(edge2);
    const s = await waitFor('edge2 pulled the change', async () => {
      const st = await status('edge2');
      return serviceOn(st)?.backends.find((b) => b.id === backendIds.be2)?.weight === 3 ? st : undefined;
    }, 60_000, 250);
    expect(platform.workerPid()).toBeUndefined();
    const node = (await fleetNodes()).find((n) => n.id === edge2.nodeId)!;
    expect(s.applied_generation).toBe(node.desired_generation);
    await platform.startWorker();
    await waitConverged('worker back: edge1 gets the change too', (st) => serviceOn(st)?.backends.find((b) => b.id === backendIds.be2)?.weight === 3);
  });

  it('a worker killed during a burst of changes leaves every agent on the newest generation after restart', async () => {
    const weights = [1, 2, 4, 5, 6, 7, 8, 9, 10, 2, 3, 7];
    for (let i = 0; i < weights.length; i++) {
      if (i === 4) await platform.killWorker();
      await ok(tenant.PATCH('/v1/services/{id}/backends/{backend_id}', { params: { path: { id: serviceId, backend_id: backendIds.be1 } }, body: { weight: weights[i] } }));
    }
    await platform.startWorker();
    const last = weights[weights.length - 1];
    await waitConverged('after the burst', (st) => serviceOn(st)?.backends.find((b) => b.id === backendIds.be1)?.weight === last);
    // And the data plane follows: the client still reaches the remaining backends through both addresses.
    for (const host of targets) {
      const flows = await runLoad('client1', { kind: 'whoami', host, count: 30, concurrency: 6 });
      expect(flows.filter((f) => !f.ok)).toEqual([]);
    }
  });
});
