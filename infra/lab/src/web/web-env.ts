/**
 * The web apps' browser-test harness (portal and console): the real control plane (API + worker
 * processes, scratch database) seeded with two PoPs (ams, nyc), two IPv4 pools and an IPv6 pool, a
 * dry-run edge fleet (two real agents) for deploy status, the built app (`next start`, build cached
 * by scripts/web-build.mjs) and Debian's Chromium driven by playwright-core. No browser is
 * downloaded: CHROMIUM_PATH or /usr/bin/chromium.
 */
import AxeBuilder from '@axe-core/playwright';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ok } from '@anyfront/api-client';
import { freePort, REPO_ROOT, waitFor } from '@anyfront/testing';
import { startDryRunFleet } from '../fleet/dry-run-fleet';
import { startPlatform, type Platform } from '../fleet/platform';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export type WebApp = 'portal' | 'console';

/** Where an app's browser tests put their screenshots (gitignored). */
export const screenshotDir = (app: WebApp): string => join(REPO_ROOT, 'apps', app, '.screenshots');

export interface WebEnv {
  platform: Platform;
  url: string;
  browser: Browser;
  buildSeconds: number;
  /** The dry-run agents' directories (<fleetDir>/edge1/state/credential: a node credential). */
  fleetDir: string;
  /** The seeded PoPs by code. */
  pops: Record<'ams' | 'nyc', string>;
  stop: () => Promise<void>;
}

/** `next build` when the sources changed since the last one (scripts/web-build.mjs). */
function buildApp(app: WebApp): number {
  const r = spawnSync(process.execPath, ['scripts/web-build.mjs', app], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${app} build failed:\n${r.stdout}\n${r.stderr}`);
  return Number(/BUILD_SECONDS ([\d.]+)/.exec(r.stdout)?.[1] ?? 0);
}

/** `fleet`: options of the dry-run agents (the portal's tests stand in for verifying edges, see its spec). */
export async function startWebEnv(app: WebApp, o: { fleet?: { statusIntervalSeconds?: number } } = {}): Promise<WebEnv> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`);
  mkdirSync(screenshotDir(app), { recursive: true });
  const buildSeconds = buildApp(app);
  const dir = mkdtempSync(join(tmpdir(), `anyfront-${app}-`));
  const fleetDir = join(dir, 'fleet');
  const platform = await startPlatform({ tag: app });
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let fleet: Awaited<ReturnType<typeof startDryRunFleet>> | undefined;
  const stop = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    if (server && server.exitCode === null) {
      const p = server;
      await new Promise<void>((r) => { p.once('exit', () => r()); p.kill('SIGTERM'); setTimeout(() => p.kill('SIGKILL'), 5000).unref(); });
    }
    await fleet?.stop();
    await platform.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const op = platform.operator;
    const ams = (await ok(op.POST('/v1/admin/pops', { body: { code: 'ams', name: 'Amsterdam', region: 'eu-west' } }))).id;
    const nyc = (await ok(op.POST('/v1/admin/pops', { body: { code: 'nyc', name: 'New York', region: 'us-east' } }))).id;
    for (const prefix of ['192.0.2.0/24', '198.51.100.0/24', '2001:db8:a0::/48']) {
      await ok(op.POST('/v1/admin/pools', { body: { prefix, scope: 'global', pop_ids: [ams, nyc] } }));
    }
    fleet = await startDryRunFleet({ apiUrl: platform.apiUrl, operator: op, dir: fleetDir, popCodes: { edge1: 'ams', edge2: 'nyc' }, ...o.fleet });

    const port = await freePort();
    let out = '';
    server = spawn(process.execPath, [join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', join(REPO_ROOT, 'apps', app), '-p', String(port), '-H', '127.0.0.1'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', ANYFRONT_API_URL: platform.apiUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
    server.stderr?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(() => `the ${app} on ${url}:\n${out}`, async () => (await fetch(`${url}/login`)).status === 200, 60_000, 200);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    return { platform, url, browser, buildSeconds, fleetDir, pops: { ams, nyc }, stop };
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

/** A full-page screenshot under apps/<app>/.screenshots (gitignored), named after the page. */
export async function screenshot(app: WebApp, page: Page, name: string): Promise<void> {
  // From the top: a full-page shot of a scrolled page draws the fixed header mid-page.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(screenshotDir(app), `${name}.png`), fullPage: true });
}

/** Every page gets the same checks: a screenshot, and no serious or critical axe violation. */
export async function checkWebPage(app: WebApp, page: Page, name: string): Promise<string[]> {
  await screenshot(app, page, name);
  return axeViolations(page);
}
