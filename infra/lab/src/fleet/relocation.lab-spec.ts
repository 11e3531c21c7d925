/**
 * Address relocation with notice on the real data plane (issue 12): a service's address moves to
 * another pool; the lab client sees the new address answer while the old one still answers; once
 * the operator shortens the notice the old address stops answering and the new one keeps answering
 * at every sample in between. Control in the suite: the new address, already on the backends before
 * the relocation, does not answer until the relocation gives it to the service (the edges forward
 * it only then). Figures (seconds from the relocation to the new address answering, from the
 * shortening to the old one gone) are printed; no timing is asserted.
 *
 * The address moves from 192.0.2.0/24 to 198.51.100.0/24, the lab router's second routed /24
 * (router-bird.ts). That /24 also numbers lab links, so the test makes the new address a high slot:
 * one fixture row quarantines slot 200 far into the future, and a new slot is picked above the
 * highest one (libs/db slot-pick.ts). The service's second IPv4 pool is 203.0.113.0/24 on a PoP
 * without lab edges (never announced here, never on the backends), as fleet-e2e does with
 * 198.51.100.0/24. Everything else goes through the API.
 */
import { slotAddress } from '@anyfront/domain';
import { nsRun, waitFor } from '../exec';
import { addKitTokens } from '../backend-prep';
import { backends, clients, edges } from '../topology';
import { ok, type TenantClient } from './api-client';
import { prepareLabBackends, startControlPlaneLab, stopControlPlaneLab, waitForRouteVia } from './control-plane-lab';
import { hostOf } from './lab-addresses';
import { type Platform, startPlatform } from './platform';
import { SECOND_ROUTED_V4 } from '../router-bird';

jest.setTimeout(300_000);

const OLD_POOL = '192.0.2.0/24';
const NEW_POOL = SECOND_ROUTED_V4;
const BLOCKED_SLOT = 200;

/** One HTTP request from the lab client with a short timeout: does the address answer? */
async function answers(address: string): Promise<boolean> {
  const r = await nsRun(clients[0].ns, 'curl', ['-sS', '-m', '1', '-o', '/dev/null', '-w', '%{http_code}', `http://${hostOf(address)}/whoami`], { allowFail: true, timeoutMs: 5_000 });
  return r.code === 0 && r.stdout.trim() === '200';
}

describe('address relocation on the lab fleet: the new address answers before the old one stops', () => {
  let platform: Platform;
  let tenant: TenantClient;
  let serviceId: string;
  let oldAddress: string;
  let newPoolId: string;
  const expectedNew = slotAddress(NEW_POOL, BLOCKED_SLOT + 1); // the next new slot above the fixture row

  beforeAll(async () => {
    platform = await startPlatform({ tag: 'labreloc', workerEnv: { RELOCATION_SWEEP_INTERVAL_SECONDS: '1' } });
    const op = platform.operator;
    const pop = async (code: string) => (await ok(op.POST('/v1/admin/pops', { body: { code, name: `Lab ${code}`, region: 'lab' } }))).id;
    const [lab1, lab2, lab3] = [await pop('lab1'), await pop('lab2'), await pop('lab3')];
    // The service's two IPv4 pools: the routed old one on the edges' PoPs, and a second one on a PoP without edges.
    await ok(op.POST('/v1/admin/pools', { body: { prefix: OLD_POOL, scope: 'global', pop_ids: [lab1, lab2] } }));
    await ok(op.POST('/v1/admin/pools', { body: { prefix: '203.0.113.0/24', scope: 'global', pop_ids: [lab3] } }));
    await startControlPlaneLab({ apiUrl: platform.apiUrl, operator: op, popCodes: { edge1: 'lab1', edge2: 'lab2' }, statusIntervalSeconds: 1, pullIntervalSeconds: 3600 });

    const t = await platform.tenant();
    tenant = t.api;
    const created = await ok(tenant.POST('/v1/services', { body: {
      name: 'moving',
      listeners: [{ protocol: 'tcp', ports: '80' }],
      health_check: { protocol: 'http', port: 80, path: '/health', interval_seconds: 2, timeout_seconds: 1, healthy_threshold: 1, unhealthy_threshold: 2 },
    } }));
    serviceId = created.id;
    const svc = await waitFor('the service active with two IPv4 addresses', async () => {
      const s = await ok(tenant.GET('/v1/services/{id}', { params: { path: { id: serviceId } } }));
      return s.status === 'active' && s.addresses.length === 2 ? s : undefined;
    }, 60_000, 250);
    oldAddress = svc.addresses.find((a) => a.address.startsWith('192.0.2.'))!.address;
    // The target pool appears only now, so slot assignment cannot have given the service an address in it.
    newPoolId = (await ok(op.POST('/v1/admin/pools', { body: { prefix: NEW_POOL, scope: 'global', pop_ids: [lab1, lab2] } }))).id;
    await platform.db.query(
      `INSERT INTO anycast_addresses (pool_id, slot_index, address, family, state, quarantined_until) VALUES ($1, $2, $3, 4, 'quarantined', now() + interval '30 days')`,
      [newPoolId, BLOCKED_SLOT, slotAddress(NEW_POOL, BLOCKED_SLOT)],
    );
    // The backends hold both addresses from the start: whether the new one answers is up to the edges.
    await prepareLabBackends([oldAddress, expectedNew]);
    for (const b of backends) {
      const backend = await ok(tenant.POST('/v1/services/{id}/backends', { params: { path: { id: serviceId } }, body: { address: b.link.peerV6 } }));
      await addKitTokens(b, [backend.verification_token]); // the tenant's kit proves it runs this backend
    }
    for (const p of [OLD_POOL, NEW_POOL]) await waitForRouteVia(p, edges.map((e) => e.name));
  }, 300_000);

  afterAll(async () => {
    if (!process.env.ANYFRONT_LAB_KEEP) await stopControlPlaneLab().catch((e) => console.error(e));
    await platform?.stop();
  }, 120_000);

  it('both answer during the notice; after the shortened notice only the new one does, with no gap', async () => {
    await waitFor('the old address answers', () => answers(oldAddress), 90_000, 500);
    // Control: the new address is on the backends and its pool is announced, but it is not the service's yet: the edges do not forward it.
    for (let i = 0; i < 3; i++) expect(await answers(expectedNew)).toBe(false);

    const relocatedAt = Date.now();
    const created = await ok(platform.operator.POST('/v1/admin/relocations', { body: { address: oldAddress, target_pool_id: newPoolId, reason: 'lab: the lower half is needed elsewhere', notice_days: 7 } }));
    const newAddress = created.moves[0]?.new_address;
    expect(newAddress).toBe(expectedNew);

    // The new address answers while the old one still does (both announced and forwarding).
    await waitFor('the new address answers', () => answers(expectedNew), 60_000, 200);
    const newAnsweredAfter = (Date.now() - relocatedAt) / 1000;
    for (let i = 0; i < 3; i++) expect([await answers(oldAddress), await answers(expectedNew)]).toEqual([true, true]);
    expect((await ok(tenant.GET('/v1/notices'))).data).toEqual([expect.objectContaining({ state: 'open', old_address: oldAddress, new_address: expectedNew })]);

    // The operator ends the notice now: the old address stops answering; the new one answers at every sample meanwhile.
    const shortenedAt = Date.now();
    await ok(platform.operator.POST('/v1/admin/relocations/{id}/shorten', { params: { path: { id: created.id } }, body: { notice_ends_at: new Date(Date.now() - 1000).toISOString(), reason: 'lab: needed now' } }));
    const newMissed: number[] = [];
    let samples = 0;
    await waitFor('the old address stops answering', async () => {
      const [o, n] = await Promise.all([answers(oldAddress), answers(expectedNew)]);
      samples++;
      if (!n) newMissed.push(Date.now() - shortenedAt);
      return !o;
    }, 60_000, 100);
    const oldGoneAfter = (Date.now() - shortenedAt) / 1000;
    expect({ samples: samples > 0, newMissed }).toEqual({ samples: true, newMissed: [] });
    for (let i = 0; i < 3; i++) expect([await answers(oldAddress), await answers(expectedNew)]).toEqual([false, true]);
    const detail = await ok(platform.operator.GET('/v1/admin/relocations/{id}', { params: { path: { id: created.id } } }));
    expect(detail).toMatchObject({ status: 'completed', progress: { moves: 1, released: 1 } });
    const s = await ok(tenant.GET('/v1/services/{id}', { params: { path: { id: serviceId } } }));
    expect(s.addresses.map((a) => a.address)).toContain(expectedNew);
    expect(s.addresses.map((a) => a.address)).not.toContain(oldAddress);
    console.log(`[lab relocation] new address answered ${newAnsweredAfter.toFixed(1)} s after the relocation; old address gone ${oldGoneAfter.toFixed(1)} s after the shortening (${samples} samples, the new address answered at every one)`);
  });
});
