/**
 * The portal's browser-test harness: the real control plane (API + worker processes, scratch
 * database), a dry-run edge fleet (two real agents, PoPs ams and nyc) for deploy status, the built
 * portal (`next start`, build cached by scripts/portal-build.mjs) and Debian's Chromium driven by
 * playwright-core. No browser is downloaded: CHROMIUM_PATH or /usr/bin/chromium.
 */
import AxeBuilder from '@axe-core/playwright';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ok, startDryRunFleet, startPlatform, type Platform } from '@anyfront/lab';
import { freePort, REPO_ROOT, waitFor } from '@anyfront/testing';

export const SCREENSHOTS = join(REPO_ROOT, 'apps', 'portal', '.screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface PortalEnv {
  platform: Platform;
  portalUrl: string;
  browser: Browser;
  buildSeconds: number;
  /** The dry-run agents' directories (<fleetDir>/edge1/state/credential: a node credential). */
  fleetDir: string;
  stop: () => Promise<void>;
}

/** `next build` when the sources changed since the last one (scripts/portal-build.mjs). */
function buildPortal(): number {
  const r = spawnSync(process.execPath, ['scripts/portal-build.mjs'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`portal build failed:\n${r.stdout}\n${r.stderr}`);
  return Number(/BUILD_SECONDS ([\d.]+)/.exec(r.stdout)?.[1] ?? 0);
}

export async function startPortalEnv(): Promise<PortalEnv> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const buildSeconds = buildPortal();
  const dir = mkdtempSync(join(tmpdir(), 'anyfront-portal-'));
  const fleetDir = join(dir, 'fleet');
  const platform = await startPlatform({ tag: 'portal' });
  let portal: ChildProcess | undefined;
  let browser: Browser | undefined;
  let fleet: Awaited<ReturnType<typeof startDryRunFleet>> | undefined;
  const stop = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    if (portal && portal.exitCode === null) {
      const p = portal;
      await new Promise<void>((r) => { p.once('exit', () => r()); p.kill('SIGTERM'); setTimeout(() => p.kill('SIGKILL'), 5000).unref(); });
    }
    await fleet?.stop();
    await platform.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const op = platform.operator;
    const pops: Record<string, string> = {};
    for (const code of ['ams', 'nyc']) pops[code] = (await ok(op.POST('/v1/admin/pops', { body: { code, name: code === 'ams' ? 'Amsterdam' : 'New York', region: code === 'ams' ? 'eu-west' : 'us-east' } }))).id;
    const both = [pops.ams, pops.nyc];
    await ok(op.POST('/v1/admin/pools', { body: { prefix: '192.0.2.0/24', scope: 'global', pop_ids: both } }));
    await ok(op.POST('/v1/admin/pools', { body: { prefix: '198.51.100.0/24', scope: 'global', pop_ids: both } }));
    await ok(op.POST('/v1/admin/pools', { body: { prefix: '2001:db8:a0::/48', scope: 'global', pop_ids: both } }));
    fleet = await startDryRunFleet({ apiUrl: platform.apiUrl, operator: op, dir: fleetDir, popCodes: { edge1: 'ams', edge2: 'nyc' } });

    const port = await freePort();
    let out = '';
    portal = spawn(process.execPath, [join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', join(REPO_ROOT, 'apps', 'portal'), '-p', String(port), '-H', '127.0.0.1'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', ANYFRONT_API_URL: platform.apiUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    portal.stdout?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
    portal.stderr?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
    const portalUrl = `http://127.0.0.1:${port}`;
    await waitFor(() => `the portal on ${portalUrl}:\n${out}`, async () => (await fetch(`${portalUrl}/login`)).status === 200, 60_000, 200);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    return { platform, portalUrl, browser, buildSeconds, fleetDir, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** axe-core on the page as it is: the serious and critical violations (ids and where). */
export async function axeViolations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

/** A full-page screenshot under apps/portal/.screenshots (gitignored), named after the page. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Every page gets the same checks: no serious/critical axe violation, and a screenshot. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await axeViolations(page)).toEqual([]);
}
