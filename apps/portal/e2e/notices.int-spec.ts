/**
 * A relocation's notice in the portal, in Chromium against the real API, worker and a dry-run fleet:
 * an operator relocates a tenant service's address; the tenant sees a banner with the old and new
 * address and the deadline on every page; once the old address is released, the banner is gone.
 * axe on the page with the banner and a screenshot (apps/portal/.screenshots/notice.png).
 */
import { ok } from '@anyfront/api-client';
import { waitFor } from '@anyfront/testing';
import type { Page } from 'playwright-core';
import { checkPage, startPortalEnv, type PortalEnv } from './portal.spec-helpers';

jest.setTimeout(300_000);

describe('portal: relocation notice', () => {
  let env: PortalEnv;
  let page: Page;

  beforeAll(async () => {
    env = await startPortalEnv();
    page = await (await env.browser.newContext({ baseURL: env.portalUrl, viewport: { width: 1360, height: 900 } })).newPage();
  }, 600_000);
  afterAll(async () => env?.stop(), 60_000);

  it('shows an open relocation as a banner with its deadline, and drops it once the old address is released', async () => {
    const op = env.platform.operator;
    const tenant = await env.platform.tenant();
    const svc = await ok(tenant.api.POST('/v1/services', { body: { name: 'web', listeners: [{ protocol: 'tcp', ports: '80' }] } }));
    await waitFor('the service holds its addresses', async () => (await ok(tenant.api.GET('/v1/services/{id}', { params: { path: { id: svc.id } } }))).addresses.length >= 2, 60_000, 250);
    const from = (await ok(op.GET('/v1/admin/pools'))).data.find((p) => p.prefix === '192.0.2.0/24');
    const target = await ok(op.POST('/v1/admin/pools', { body: { prefix: '203.0.113.0/24', scope: 'global', pop_ids: from?.pop_ids ?? [] } }));

    await page.goto('/login');
    await page.getByLabel('Email').fill(tenant.email);
    await page.getByRole('textbox', { name: 'Password' }).fill(tenant.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/(services|onboarding)/);
    await page.goto('/services');
    await page.locator('tr[data-service="web"]').waitFor();
    // Negative control: no relocation, no banner.
    expect(await page.getByTestId('notices').count()).toBe(0);

    const relocation = await ok(op.POST('/v1/admin/relocations', { body: { service_id: svc.id, pool_id: from?.id, target_pool_id: target.id, reason: 'Prefix 192.0.2.0/24 returns to the upstream' } }));
    const move = relocation.moves[0];
    if (!move) throw new Error('the relocation moved nothing');
    await page.reload();
    const notice = page.locator(`[data-notice="${move.old_address}"]`);
    await notice.getByText(`Address ${move.old_address} is moving to ${move.new_address}`).waitFor();
    await notice.getByText(`Deadline ${relocation.notice_ends_at.slice(0, 16).replace('T', ' ')}`).waitFor(); // the sentence names the time too
    await checkPage(page, 'notice');

    // The operator ends the notice: the old address is released, the banner goes.
    await ok(op.POST('/v1/admin/relocations/{id}/shorten', { params: { path: { id: relocation.id } }, body: { notice_ends_at: new Date().toISOString(), reason: 'end of test' } }));
    await waitFor('the relocation completed', async () => (await ok(op.GET('/v1/admin/relocations/{id}', { params: { path: { id: relocation.id } } }))).status === 'completed', 60_000, 250);
    await page.reload();
    await page.locator('tr[data-service="web"]').waitFor();
    expect(await page.getByTestId('notices').count()).toBe(0);
  });
});
