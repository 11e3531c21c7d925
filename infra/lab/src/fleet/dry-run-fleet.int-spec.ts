/**
 * The local fleet of `npm start` where the lab cannot run: real agent processes with a dry-run data
 * plane, registered with the real API (child process) and worker. They must pull, report and show
 * up as deployed, also after a restart with fresh agents for the same edge nodes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../exec';
import { ok, type TenantClient } from './api-client';
import { DryRunFleet, startDryRunFleet } from './dry-run-fleet';
import { Platform, startPlatform } from './platform';

jest.setTimeout(180_000);

describe('dry-run local fleet against the real API and worker', () => {
  let platform: Platform;
  let tenant: TenantClient;
  let fleet: DryRunFleet | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'anyfront-dry-fleet-'));
  const popCodes = { edge1: 'dry1', edge2: 'dry2' };

  const start = () => startDryRunFleet({ apiUrl: platform.apiUrl, operator: platform.operator, dir, popCodes });
  const converged = async () => waitFor('both dry-run agents on their newest generation with a heartbeat', async () => {
    const nodes = (await ok(platform.operator.GET('/v1/admin/fleet/edge-nodes'))).data;
    if (nodes.length !== 2) return undefined;
    for (const n of nodes) if (!n.registered || n.sync_pending || n.desired_generation === 0) return undefined;
    for (const a of fleet!.agents) {
      const s = (await (await fetch(`${a.url}/v1/status`)).json()) as { applied_generation: number | null; dry_run: boolean };
      const n = nodes.find((x) => x.id === a.nodeId)!;
      if (!s.dry_run || s.applied_generation !== n.desired_generation || n.applied_generation !== n.desired_generation) return undefined;
    }
    return nodes;
  }, 60_000, 250);

  beforeAll(async () => {
    platform = await startPlatform({ tag: 'dryfleet' });
    const op = platform.operator;
    const ids: string[] = [];
    for (const code of [...Object.values(popCodes), 'dry3']) ids.push((await ok(op.POST('/v1/admin/pops', { body: { code, name: code, region: 'lab' } }))).id);
    await ok(op.POST('/v1/admin/pools', { body: { prefix: '192.0.2.0/24', scope: 'global', pop_ids: [ids[0], ids[1]] } }));
    await ok(op.POST('/v1/admin/pools', { body: { prefix: '198.51.100.0/24', scope: 'global', pop_ids: [ids[2]] } }));
    tenant = (await platform.tenant()).api;
    fleet = await start();
  }, 180_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('registers, pulls and reports heartbeats', async () => {
    const nodes = await converged();
    for (const n of nodes) expect(n.last_heartbeat_at).not.toBeNull();
  });

  it('a new service reaches both dry-run agents and waits there for a verified backend: they send no challenges, so it is never deployed (issue 9 §7)', async () => {
    const svc = await ok(tenant.POST('/v1/services', { body: { name: 'dry', listeners: [{ protocol: 'tcp', ports: '80' }] } }));
    await ok(tenant.POST('/v1/services/{id}/backends', { params: { path: { id: svc.id } }, body: { address: '2001:db8::10' } }));
    const d = await waitFor('service applied on both agents', async () => {
      const r = await ok(tenant.GET('/v1/services/{id}/deployment', { params: { path: { id: svc.id } } }));
      return r.status === 'waiting_for_verified_backend' && r.pops.every((p) => p.status === 'waiting_for_verified_backend') ? r : undefined;
    }, 60_000, 250);
    expect(d.edge_nodes).toBe(2);
    expect(d.edge_nodes_deployed).toBe(0);
    expect(d.pops.map((p) => p.pop_code).sort()).toEqual(['dry1', 'dry2']);
    // The backend says why, next to it (not "deployed" beside a pending backend).
    const [b] = (await ok(tenant.GET('/v1/services/{id}/backends', { params: { path: { id: svc.id } } }))).data;
    expect(b).toMatchObject({ verification: 'pending', verification_reason: expect.stringContaining('dry-run data plane') });
  });

  it('a gue service reaches both agents with its gue_port and is accepted: applied, never a refused (frozen) node', async () => {
    const svc = await ok(tenant.POST('/v1/services', { body: { name: 'dry-gue', listeners: [{ protocol: 'tcp', ports: '80' }], encapsulation: 'gue' } }));
    expect(svc.gue_port).toBe(6080);
    // GUE reaches both backend families; the lab edges have tunnel sources of both.
    for (const address of ['203.0.113.77', '2001:db8::77']) await ok(tenant.POST('/v1/services/{id}/backends', { params: { path: { id: svc.id } }, body: { address } }));
    // Applied on both (a dry-run edge verifies no backend, so that is as far as it gets).
    await waitFor('gue service applied on both agents', async () => {
      const r = await ok(tenant.GET('/v1/services/{id}/deployment', { params: { path: { id: svc.id } } }));
      return r.status === 'waiting_for_verified_backend' && r.edge_nodes === 2 ? r : undefined;
    }, 60_000, 250);
    for (const a of fleet!.agents) {
      const s = (await (await fetch(`${a.url}/v1/status`)).json()) as { last_error: string | null; services: { id: string; encapsulation: string }[] };
      expect(s.last_error).toBeNull();
      expect(s.services).toContainEqual(expect.objectContaining({ id: svc.id, encapsulation: 'gue' }));
    }
  });

  it('fresh agents for the same edge nodes converge by pulling (nothing changed, so nothing is pushed)', async () => {
    // Every push attempt (answered or failed) stamps last_push_at and may raise pushed_generation.
    const pushes = async () => (await platform.db.query<{ edge_node_id: string; pushed_generation: string; last_push_at: Date | null }>(
      'SELECT edge_node_id, pushed_generation, last_push_at FROM edge_node_fleet_states ORDER BY edge_node_id')).rows;
    await converged();
    const before = await pushes();
    expect(before).toHaveLength(2);
    await fleet!.stop();
    fleet = await start();
    const nodes = await converged();
    expect(await pushes()).toEqual(before);
    for (const n of nodes) expect(n.applied_generation).toBe(n.desired_generation);
  });
});
