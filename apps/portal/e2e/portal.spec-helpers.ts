/**
 * The portal's browser-test harness: the shared web harness (infra/lab/src/web/web-env.ts: real API,
 * worker, Postgres, Redis, a dry-run fleet, `next start` of the built portal, Debian's Chromium)
 * with the portal's names.
 */
import type { Page } from 'playwright-core';
import { checkWebPage, screenshotDir, startWebEnv, type WebEnv } from '@anyfront/lab/web';

export const SCREENSHOTS = screenshotDir('portal');

export type PortalEnv = WebEnv & { portalUrl: string };

export async function startPortalEnv(): Promise<PortalEnv> {
  // The dry-run agents report status only after an apply (and hourly): the tests stand in for edges
  // whose backend kits answered (portal.int-spec.ts edgesVerify), and a periodic report would undo it.
  const env = await startWebEnv('portal', { fleet: { statusIntervalSeconds: 3600 } });
  return { ...env, portalUrl: env.url };
}

/** Every page gets the same checks: a screenshot, and no serious or critical axe violation. */
export async function checkPage(page: Page, name: string): Promise<void> {
  expect(await checkWebPage('portal', page, name)).toEqual([]);
}
