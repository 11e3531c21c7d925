/**
 * The operator console in a real browser (Debian Chromium via playwright-core) against the real API,
 * worker, Postgres, Redis and a dry-run edge fleet (agents edge1 in AMS, edge2 in NYC): a tenant is
 * refused; an operator watches the slot map fill as a tenant's service gets its addresses, looks an
 * address up, drains an edge node after a confirmation that says what moves, and suspends an
 * organization with a reason; edits a pool, relocates an address with notice and shortens it, adds a
 * price-book version. axe-core on every page, a screenshot of each (apps/console/.screenshots),
 * and the slot map's render time measured in the browser (BENCHMARKS.md).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { ok, type TenantClient } from '@anyfront/api-client';
import { checkWebPage, screenshotDir, startWebEnv, type WebEnv } from '@anyfront/lab/web';
import { waitFor } from '@anyfront/testing';

jest.setTimeout(300_000);

const until = <T>(what: string, read: () => Promise<T>, accept: (v: T) => boolean, timeoutMs = 30_000): Promise<T> =>
  waitFor(what, async () => { const v = await read(); return accept(v) ? { v } : undefined; }, timeoutMs, 200).then((r) => r.v);

describe('operator console in Chromium', () => {
  let env: WebEnv;
  let context: BrowserContext;
  let page: Page;
  let tenant: { api: TenantClient; organizationId: string; email: string; password: string };
  let orgName = '';
  let heldAddress = '';
  const figures: Record<string, unknown> = {};
  const checkPage = async (name: string) => expect(await checkWebPage('console', page, name)).toEqual([]);
  const signIn = async (email: string, password: string) => {
    await page.goto('/login');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('textbox', { name: 'Password' }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  beforeAll(async () => {
    env = await startWebEnv('console');
    figures.next_build_seconds = env.buildSeconds;
    context = await env.browser.newContext({ baseURL: env.url, viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    tenant = await env.platform.tenant();
    orgName = (await ok(tenant.api.GET('/v1/me'))).organization?.name ?? '';
  }, 600_000);

  afterAll(async () => {
    writeFileSync(join(screenshotDir('console'), 'figures.json'), JSON.stringify(figures, null, 2));
    console.log(`console figures: ${JSON.stringify(figures)}`);
    await env?.stop();
  }, 60_000);

  it('refuses a tenant: the console is for operators', async () => {
    await signIn(tenant.email, tenant.password);
    await page.getByRole('heading', { name: 'Operators only' }).waitFor();
    await checkPage('refused');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
  });

  it('an operator signs in to the overview: fleet health per PoP, pool utilization', async () => {
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await checkPage('login');
    await signIn(env.platform.operatorLogin.email, env.platform.operatorLogin.password);
    await page.waitForURL('**/overview');
    // Both dry-run agents heartbeat and announce: each PoP shows its node up.
    for (const pop of ['ams', 'nyc']) await page.locator(`[data-pop="${pop}"] [data-health="up"]`).waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: '192.0.2.0/24' }).waitFor();
    await checkPage('overview');
  });

  it('the slot map fills as a tenant service gets its addresses; a cell names its holder', async () => {
    await page.goto('/pools');
    await page.locator('tr[data-pool="192.0.2.0/24"]').waitFor();
    await checkPage('pools');
    await page.getByRole('link', { name: '192.0.2.0/24' }).click();
    const grid = page.locator('[data-slot-grid="192.0.2.0/24"]');
    await grid.waitFor();
    expect(await grid.locator('[data-state="assigned"]').count()).toBe(0);
    expect(await grid.locator('[data-state="unusable"]').count()).toBe(2);
    expect(await grid.locator('button').count()).toBe(256);

    await ok(tenant.api.POST('/v1/services', { body: { name: 'web', listeners: [{ protocol: 'tcp', ports: '80' }] } }));
    // Each service holds an IPv4 address from each of two pools: one lands in this grid.
    const assigned = grid.locator('[data-state="assigned"]');
    await assigned.first().waitFor({ timeout: 30_000 });
    heldAddress = (await assigned.first().getAttribute('data-address')) ?? '';
    expect(heldAddress).toMatch(/^192\.0\.2\.\d+$/);
    await assigned.first().click();
    await page.getByTestId('slot-detail').getByRole('link', { name: orgName }).waitFor();
    figures.slot_map_render_ms = await page.evaluate(() => performance.getEntriesByName('slot-map-render').map((e) => Math.round(e.duration * 10) / 10));
    await checkPage('slot-map');
  });

  it('address lookup: which tenant holds the address, since when, which PoPs announce it', async () => {
    await page.goto(`/lookup?address=${heldAddress}`);
    await page.getByTestId('holder').getByText(orgName).waitFor();
    for (const pop of ['ams', 'nyc']) await page.locator(`[data-announcing-pop="${pop}"]`).waitFor();
    await page.getByRole('cell', { name: 'web' }).waitFor();
    await checkPage('lookup');
    // A bad address: the API's message on the field.
    await page.getByLabel('Address').fill('192.0.2');
    await page.getByRole('button', { name: 'Look up' }).click();
    await until('the address field marked invalid', () => page.getByLabel('Address').getAttribute('aria-invalid'), (v) => v === 'true');
  });

  it('edits a pool: the API refuses a regional pool without a region on its field; a PoP set change is saved; utilization over time is charted', async () => {
    const pool = await ok(env.platform.operator.POST('/v1/admin/pools', { body: { prefix: '203.0.113.0/24', scope: 'global', pop_ids: [env.pops.ams] } }));
    await page.goto(`/pools/${pool.id}`);
    await page.getByTestId('utilization-chart').waitFor();
    await page.getByRole('button', { name: 'Edit pool' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Regional').click();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await until('the region field marked invalid', () => dialog.getByRole('textbox', { name: 'Region' }).getAttribute('aria-invalid'), (v) => v === 'true');
    expect((await ok(env.platform.operator.GET('/v1/admin/pools/{id}', { params: { path: { id: pool.id } } }))).scope).toBe('global');
    await dialog.getByText('Global').click();
    await dialog.getByLabel('Announced from').click();
    await page.getByRole('option', { name: /NYC/ }).click();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await until('the pool announced from both PoPs', async () => (await ok(env.platform.operator.GET('/v1/admin/pools/{id}', { params: { path: { id: pool.id } } }))).pops.map((p) => p.code).sort().join(), (v) => v === 'ams,nyc');
    await page.getByText(/announced from AMS, NYC/).waitFor();
    await checkPage('pool-edit');
  });

  it('relocates the held address to another pool with notice: the tenant sees the notice; shortening with a reason releases the old address', async () => {
    await page.goto(`/pools/${(await ok(env.platform.operator.GET('/v1/admin/pools'))).data.find((p) => p.prefix === '192.0.2.0/24')?.id}`);
    await page.locator(`[data-address="${heldAddress}"]`).click();
    await page.getByRole('link', { name: 'Relocate this address with notice →' }).click();
    await page.waitForURL('**/relocations?address=*');
    const dialog = page.getByRole('dialog');
    expect(await dialog.getByRole('textbox', { name: 'Address' }).inputValue()).toBe(heldAddress);
    await dialog.getByLabel('Target pool').click();
    await page.getByRole('option', { name: /203\.0\.113\.0\/24/ }).click();
    // No reason: the API's message on the Reason field, nothing created.
    await dialog.getByRole('button', { name: 'Relocate' }).click();
    await until('the reason field marked invalid', () => dialog.getByLabel('Reason').getAttribute('aria-invalid'), (v) => v === 'true');
    expect((await ok(env.platform.operator.GET('/v1/admin/relocations'))).data).toEqual([]);
    await dialog.getByLabel('Reason').fill('203.0.113.0/24 takes over from 192.0.2.0/24 (upstream change)');
    await dialog.getByRole('button', { name: 'Relocate' }).click();
    const row = page.locator(`tr[data-relocation="${heldAddress}"]`);
    await row.locator('[data-status="notice"]').waitFor();
    await row.getByText('0 of 1 released').waitFor();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: `Moves of the relocation of ${heldAddress}` }).click();
    await page.locator(`tr[data-move="${heldAddress}"]`).getByText('both answer').waitFor();
    await checkPage('relocations');
    // The tenant's notice: old and new address, the deadline.
    const notices = (await ok(tenant.api.GET('/v1/notices'))).data;
    expect(notices).toEqual([expect.objectContaining({ state: 'open', old_address: heldAddress, new_address: expect.stringMatching(/^203\.0\.113\./) })]);

    await page.getByRole('button', { name: `Shorten the notice of ${heldAddress}` }).click();
    const shorten = page.getByRole('dialog');
    await shorten.getByLabel('Reason').fill('Upstream needs the prefix tonight');
    await shorten.evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a: { finished: Promise<unknown> }) => a.finished)));
    await checkPage('relocation-shorten');
    await shorten.getByRole('button', { name: 'Shorten notice' }).click();
    await row.locator('[data-status="completed"]').waitFor({ timeout: 60_000 });
    await row.getByText('1 of 1 released').waitFor();
    expect((await ok(tenant.api.GET('/v1/notices'))).data[0]).toMatchObject({ state: 'done', old_address: heldAddress });
  });

  it('price book: versions with the one in force; a bad price is refused on its field; a new version is scheduled', async () => {
    await page.goto('/price-book');
    await page.locator('tr[data-version="1"]').getByText('in force').waitFor();
    await checkPage('price-book');
    await page.getByRole('button', { name: 'Add version' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('IPv4 address-hour').fill('cheap');
    await dialog.getByRole('button', { name: 'Add version' }).click();
    await until('the IPv4 price marked invalid', () => dialog.getByLabel('IPv4 address-hour').getAttribute('aria-invalid'), (v) => v === 'true');
    expect((await ok(env.platform.operator.GET('/v1/admin/price-book'))).entries).toHaveLength(1);
    await dialog.getByLabel('IPv4 address-hour').fill('0.45');
    await dialog.getByLabel('Note').fill('Cheaper IPv4');
    await dialog.getByRole('button', { name: 'Add version' }).click();
    await page.locator('tr[data-version="2"]').getByText('scheduled').waitFor();
    expect((await ok(env.platform.operator.GET('/v1/admin/price-book'))).entries.map((e) => e.ipv4_address_hour)).toEqual(['0.54', '0.45']);
  });

  it('drains an edge node after a confirmation that says what moves, and undrains it', async () => {
    const edge1 = (await ok(env.platform.operator.GET('/v1/admin/fleet/edge-nodes'))).data.find((n) => n.pop_code === 'ams')?.name ?? 'edge1';
    await page.goto('/edge-nodes');
    await page.getByRole('button', { name: `Drain ${edge1}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('drain-impact').getByText(/service/).waitFor();
    await dialog.evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a: { finished: Promise<unknown> }) => a.finished))); // the modal's fade-in
    await checkPage('edge-node-drain-confirm');
    await dialog.getByRole('button', { name: 'Drain' }).click();
    await page.locator(`tr[data-node="${edge1}"] [data-health="drained"]`).waitFor({ timeout: 30_000 });
    const nodes = await ok(env.platform.operator.GET('/v1/admin/fleet/edge-nodes'));
    expect(nodes.data.find((n) => n.name === edge1)?.drained).toBe(true);
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await checkPage('edge-nodes');
    await page.getByRole('button', { name: `Undrain ${edge1}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Undrain' }).click();
    await page.locator(`tr[data-node="${edge1}"] [data-health="drained"]`).waitFor({ state: 'detached', timeout: 30_000 });
  });

  it("marks each PoP's canary edge and shows a rollout its canary halted, with the reason", async () => {
    const edge1 = (await ok(env.platform.operator.GET('/v1/admin/fleet/edge-nodes'))).data.find((n) => n.pop_code === 'ams');
    if (!edge1) throw new Error('no AMS edge node');
    await page.goto('/edge-nodes');
    // The only (so the oldest) live, pushable edge of its PoP: its canary.
    await page.locator(`tr[data-node="${edge1.name}"] [data-canary="ok"]`).waitFor({ timeout: 30_000 });
    // A failed verdict as the worker records it (the failure itself, with real agents: apps/worker/src/fleet/canary-rollout.int-spec.ts).
    // Negative control (run by hand): with the badge's data-canary forced to "ok" (edge-nodes-view.tsx) this case
    // times out waiting for [data-canary="failed"]; the rest of the file passes.
    const reason = 'agent answered 500: no free fwmark slot: 2 in use (raise mark_count)';
    await env.platform.db.query(
      `UPDATE edge_node_fleet_states SET canary_failed_generation = canary_verified_generation + 1, canary_failed_reason = $2, canary_checked_at = now() WHERE edge_node_id = $1`,
      [edge1.id, reason],
    );
    try {
      await page.reload();
      const row = page.locator(`tr[data-node="${edge1.name}"]`);
      await row.locator('[data-canary="failed"]').waitFor({ timeout: 30_000 });
      expect(await row.getByTestId('rollout-halted').textContent()).toContain(reason);
      await checkPage('edge-nodes-rollout-halted');
    } finally {
      await env.platform.db.query(`UPDATE edge_node_fleet_states SET canary_failed_generation = NULL, canary_failed_reason = NULL WHERE edge_node_id = $1`, [edge1.id]);
    }
  });

  it('suspends an organization with a reason (audit-logged), which the tenant sees; restores it', async () => {
    await page.goto(`/organizations?search=${encodeURIComponent(orgName)}`);
    await page.locator(`tr[data-organization="${orgName}"]`).waitFor();
    await checkPage('organizations');
    await page.getByRole('button', { name: `Suspend ${orgName}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Suspend' }).click();
    await dialog.getByText(/Say why/).waitFor(); // no reason, no suspension
    await dialog.getByLabel('Reason').fill('Chargeback under investigation (ticket 4821)');
    await dialog.getByRole('button', { name: 'Suspend' }).click();
    await page.locator(`tr[data-organization="${orgName}"] [data-status="suspended"]`).waitFor();
    expect((await ok(tenant.api.GET('/v1/billing'))).status).toBe('suspended');

    await page.goto('/audit-log');
    await page.locator('tr[data-action="organization.suspend"]').first().waitFor();
    await checkPage('audit-log');

    await page.goto(`/organizations?search=${encodeURIComponent(orgName)}`);
    await page.getByRole('button', { name: `Restore ${orgName}` }).click();
    await page.getByRole('dialog').getByLabel('Reason').fill('Chargeback resolved');
    await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
    await page.locator(`tr[data-organization="${orgName}"] [data-status="active"]`).waitFor();
  });
});
