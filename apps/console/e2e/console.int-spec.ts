/**
 * The operator console in a real browser (Debian Chromium via playwright-core) against the real API,
 * worker, Postgres, Redis and a dry-run edge fleet (agents edge1 in AMS, edge2 in NYC): a tenant is
 * refused; an operator watches the slot map fill as a tenant's service gets its addresses, looks an
 * address up, drains an edge node after a confirmation that says what moves, and suspends an
 * organization with a reason. axe-core on every page, a screenshot of each (apps/console/.screenshots),
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
