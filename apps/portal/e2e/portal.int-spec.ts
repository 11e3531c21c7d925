/**
 * The customer portal in a real browser (Debian Chromium via playwright-core) against the real API,
 * worker, Postgres, Redis and a dry-run edge fleet: what a new customer does, page by page, with
 * axe-core on every page and a screenshot of each (apps/portal/.screenshots, gitignored).
 */
import type { BrowserContext, Page } from 'playwright-core';
import { checkPage, startPortalEnv, type PortalEnv } from './portal.spec-helpers';

jest.setTimeout(120_000);

describe('customer portal in Chromium', () => {
  let env: PortalEnv;
  let context: BrowserContext;
  let page: Page;
  const email = `portal-${Date.now().toString(36)}@example.com`;
  const password = 'portal-password-123';

  beforeAll(async () => {
    env = await startPortalEnv();
    context = await env.browser.newContext({ baseURL: env.portalUrl, viewport: { width: 1360, height: 900 } });
    page = await context.newPage();
  }, 600_000); // a fresh clone builds the portal first (next build, 1-3 min on 2 cores)

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  it('signs up a new organization and lands on an empty services page', async () => {
    await page.goto('/signup');
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await checkPage(page, 'signup');
    await page.getByLabel('Organization').fill('Acme Portal Test');
    await page.getByLabel('Work email').fill(email);
    await page.getByRole('textbox', { name: 'Password' }).fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/services');
    await page.getByRole('heading', { name: 'Put your first service on anycast' }).waitFor();
    await checkPage(page, 'services-empty');
  });

  it('lists a service with its addresses and live deploy status', async () => {
    // Created through the same-origin proxy with the session cookie (the onboarding flow comes next).
    const created = await page.evaluate(async () => {
      const r = await fetch('/v1/services', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'web', listeners: [{ protocol: 'tcp', ports: '80' }] }) });
      return { status: r.status, body: (await r.json()) as { id: string } };
    });
    expect(created.status).toBe(201);
    const backend = await page.evaluate(async (id) => (await fetch(`/v1/services/${id}/backends`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: '2001:db8:1::10' }) })).status, created.body.id);
    expect(backend).toBe(201);
    await page.reload();
    const row = page.locator('tr[data-service="web"]');
    await row.waitFor();
    // Addresses from the IPv4 pools and the IPv6 pool, then "deployed" on both dry-run edges.
    await row.getByText(/^192\.0\.2\.\d+$/).waitFor({ timeout: 30_000 });
    await row.getByText(/^2001:db8:a0:/).first().waitFor();
    await row.locator('[data-status="deployed"]').waitFor({ timeout: 30_000 });
    await row.getByText('2/2 edges').waitFor();
    await checkPage(page, 'services');
  });

  it('logs out, and logs in again', async () => {
    await page.getByTestId('account-menu').click();
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    await page.waitForURL('**/login');
    await checkPage(page, 'login');
    await page.goto('/services');
    await page.waitForURL(/\/login\?expired=1&next=%2Fservices/);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('textbox', { name: 'Password' }).fill('wrong-password-123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /invalid|incorrect|wrong/i }).waitFor();
    await page.getByRole('textbox', { name: 'Password' }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/services');
    await page.locator('tr[data-service="web"]').waitFor();
  });

  it('an expired session sends the user to the login page and back to where they were', async () => {
    await context.clearCookies();
    await page.goto('/services');
    await page.waitForURL(/\/login\?expired=1/);
    await page.getByText('Your session ended').waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByRole('textbox', { name: 'Password' }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/services');
  });

  it('shows the API\'s field errors on the right field', async () => {
    await context.clearCookies();
    await page.goto('/signup');
    await page.getByLabel('Organization').fill('Dup');
    await page.getByLabel('Work email').fill(email); // taken: the API answers 409
    await page.getByRole('textbox', { name: 'Password' }).fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    // 409 with errors[].field = 'email': the message sits under the email input, which is marked invalid.
    const emailInput = page.getByLabel('Work email');
    await page.getByText(/already exists/).waitFor();
    expect(await emailInput.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await emailInput.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${describedBy.split(' ').find((id) => id.endsWith('-error')) ?? 'none'}"]`).textContent()).toMatch(/already exists/);
    await checkPage(page, 'signup-error');
  });
});
