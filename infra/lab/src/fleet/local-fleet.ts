/**
 * The local fleet of `npm start` (started by scripts/start.mjs once the API runs; runs until
 * SIGINT/SIGTERM, then removes everything it made):
 * - as root on Linux with ip, nft and bird: the network-namespace lab in control-plane mode, whose
 *   two edges run the real agent registered with the local API (PoPs ams and nyc of the demo seed,
 *   which announce 192.0.2.0/24 and fd00:a0::/48). It keeps the lab backends holding every assigned
 *   anycast address the lab routes and prints the command that reaches each new service;
 * - elsewhere: the same two edge nodes with dry-run agents on loopback (no kernel changes, no
 *   probes, no traffic anywhere).
 * Env: ANYFRONT_API_URL (default http://127.0.0.1:$API_PORT), DATABASE_URL (read-only: assigned
 * addresses), ANYFRONT_LOCAL_FLEET_MODE=dry-run to force the dry-run fleet.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync, statSync, unwatchFile, watchFile } from 'node:fs';
import { Pool } from 'pg';
import { DEMO } from '@anyfront/contracts';
import { createLogger } from '@anyfront/logging';
import { waitFor } from '../exec';
import { labDir } from '../paths';
import { agentStatus } from '../agent';
import { backends, clients, edges } from '../topology';
import { operatorClient } from './api-client';
import { addKitTokens } from '../backend-prep';
import { prepareLabBackends, startControlPlaneLab, stopControlPlaneLab } from './control-plane-lab';
import { startDryRunFleet } from './dry-run-fleet';
import { hostOf, LAB_ROUTED_PREFIXES, labReachable } from './lab-addresses';
import { localFleetInstructions, labPrerequisites } from './local-fleet-text';

const POPS = { edge1: 'ams', edge2: 'nyc' };
// JSON lines like every app (npm start shows them as `fleet │ ...` and keeps them in .data/logs/fleet.log).
const log = createLogger({ app: 'fleet', level: 'info' });
const say = (m: string): void => log.info(m);

/**
 * Re-emits an agent's log file on stdout as that edge's lines (app = the edge's name), so npm start
 * shows them as `edge1 │ ...` and keeps them in .data/logs/edge1.log. Returns a stop function.
 */
function followAgentLog(edge: string, file: string): () => void {
  let offset = 0;
  let partial = '';
  const read = (): void => {
    let size: number;
    try { size = statSync(file).size; } catch { return; }
    if (size < offset) offset = 0; // truncated: start over
    if (size === offset) return;
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    closeSync(fd);
    offset = size;
    const lines = (partial + buf.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines.filter((l) => l.trim())) {
      let entry: Record<string, unknown>;
      try { entry = JSON.parse(line) as Record<string, unknown>; } catch { entry = { level: 30, msg: line }; }
      process.stdout.write(`${JSON.stringify({ ...entry, app: edge })}\n`);
    }
  };
  read();
  watchFile(file, { interval: 500 }, read);
  return () => unwatchFile(file, read);
}

const waitForApi = (apiUrl: string): Promise<boolean> =>
  waitFor(`the API at ${apiUrl} to answer /v1/health`, async () => (await fetch(new URL('/v1/health', apiUrl))).status === 200, 180_000, 500);

/** Every assigned anycast address the lab routes, with its service and whether a lab backend serves it (read from Postgres). */
async function assignedAddresses(db: Pool): Promise<{ address: string; service: string; id: string; lab_backend: boolean }[]> {
  const { rows } = await db.query<{ address: string; service: string; id: string; lab_backend: boolean }>(
    `SELECT host(a.address) AS address, s.name AS service, s.id,
            EXISTS (SELECT 1 FROM backends b WHERE b.service_id = s.id AND host(b.address) = ANY($1::text[])) AS lab_backend
       FROM anycast_addresses a JOIN services s ON s.id = a.service_id
      WHERE a.state = 'assigned' AND s.deleted_at IS NULL ORDER BY a.family, a.address`,
    [backends.map((b) => b.link.peerV6)],
  );
  return rows.filter((r) => labReachable(r.address));
}

/**
 * Verification tokens of the backends registered at a lab backend's address, by lab backend. The
 * local fleet owns the lab backends, so it does the tenant's step for them: their kit gets the token
 * of every backend row at their address (`backend-kit token add`), and the edges verify them.
 */
async function labBackendTokens(db: Pool): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ address: string; token: string }>(
    `SELECT host(b.address) AS address, b.verify_token AS token FROM backends b JOIN services s ON s.id = b.service_id
      WHERE s.deleted_at IS NULL AND host(b.address) = ANY($1::text[])`,
    [backends.map((b) => b.link.peerV6)],
  );
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.address, [...(out.get(r.address) ?? []), r.token]);
  return out;
}

async function main(): Promise<void> {
  const apiUrl = process.env.ANYFRONT_API_URL ?? `http://127.0.0.1:${process.env.API_PORT ?? 4000}`;
  await waitForApi(apiUrl);
  const operator = await operatorClient(apiUrl, DEMO.operator.email, DEMO.operator.password);
  const missing = process.env.ANYFRONT_LOCAL_FLEET_MODE === 'dry-run' ? 'ANYFRONT_LOCAL_FLEET_MODE=dry-run' : labPrerequisites((bin) => {
    try { execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }); return true; } catch { return false; }
  });

  let teardown: () => Promise<void> = () => Promise.resolve();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    say('tearing down the local fleet ...');
    teardown().then(() => { say('local fleet removed'); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  if (missing) {
    say(`no lab (${missing}): starting 2 edge agents with a dry-run data plane instead. They register with the API, pull and report deploy status; they change nothing in the kernel, send no probes, challenges or traffic, so no backend is ever verified: a service stops at waiting_for_verified_backend, never deployed.`);
    const fleet = await startDryRunFleet({ apiUrl, operator, dir: `${labDir()}-dry-run`, popCodes: POPS, log: say });
    const unfollow = fleet.agents.map((a) => followAgentLog(a.name, a.log));
    teardown = async () => { unfollow.forEach((f) => f()); await fleet.stop(); };
    log.info({ instructions: `2 dry-run agents (${missing}): ${fleet.agents.map((a) => `${a.name} (${a.url}/v1/status)`).join(', ')}.
   They register, pull and report deploy status; they change nothing in the kernel and send no traffic.
   They send no ownership challenges either, so no backend is ever verified: a service's deployment stops at
   waiting_for_verified_backend (deployed means an edge verified a backend and it passed its checks).
   Run npm start as root on Linux with iproute2, nftables and bird2 for a real local fleet (its backends are verified).` }, 'local fleet ready');
    return;
  }

  const client = clients[0];
  if (!client) throw new Error('the lab topology has no client');
  say('building the lab (namespaces, router with BIRD, 3 backends, 2 edges with the real agent) ...');
  const db = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  const timers: NodeJS.Timeout[] = [];
  const unfollow: (() => void)[] = [];
  teardown = async () => {
    timers.forEach(clearInterval);
    unfollow.forEach((f) => f());
    await db.end().catch(() => undefined);
    await stopControlPlaneLab(say);
  };
  const lab = await startControlPlaneLab({ apiUrl, operator, popCodes: POPS, log: (m) => say(m) });
  if (stopping) return;
  for (const e of lab.edges) unfollow.push(followAgentLog(e.name, e.log));
  const instructions = localFleetInstructions({
    apiUrl: apiUrl.replace('127.0.0.1', 'localhost'), apiKey: DEMO.apiKey,
    edges: lab.edges.map((e) => ({ ns: e.ns, pop: e.pop })), clientNs: client.ns,
    backends: backends.map((b) => b.link.peerV6), prefixes: LAB_ROUTED_PREFIXES,
  });

  // The backends must hold a service's anycast addresses to answer it (the kit puts them on lo).
  let held = '';
  const announced = new Set<string>();
  const given = new Set<string>();
  let busy = false;
  const sync = async (): Promise<void> => {
    if (busy || stopping) return;
    busy = true;
    try {
      const rows = await assignedAddresses(db);
      const key = rows.map((r) => r.address).join(',');
      if (key !== held) {
        await prepareLabBackends(rows.map((r) => r.address));
        held = key;
      }
      const tokens = await labBackendTokens(db);
      for (const b of backends) {
        const fresh = (tokens.get(b.link.peerV6) ?? []).filter((t) => !given.has(t));
        if (!fresh.length) continue;
        await addKitTokens(b, fresh);
        fresh.forEach((t) => given.add(t));
      }
      // Once a service has a lab backend, say how to reach it (once per address).
      for (const r of rows.filter((x) => x.lab_backend && !announced.has(x.address))) {
        announced.add(r.address);
        say(`service ${r.service} (${r.id}): try  ip netns exec ${client.ns} curl http://${hostOf(r.address)}/whoami`);
      }
    } catch (e) {
      say(`backend address sync failed (retrying): ${(e as Error).message}`);
    } finally {
      busy = false;
    }
  };
  await sync();
  timers.push(setInterval(() => void sync(), 2000));
  // Ready once every agent has a verdict on every backend: the first health checks change what the
  // edges program and announce, and those lines belong before the banner, not after it.
  await waitFor('a health verdict on every backend', async () => {
    for (const e of edges) {
      const s = await agentStatus(e);
      if (s.services.some((x) => x.backends.some((b) => b.enabled && (b.healthy as boolean | null) === null))) return false;
    }
    return true;
  }, 90_000, 1000).catch(() => say('the first health checks are still running'));
  log.info({ instructions }, 'local fleet ready');
}

main().catch((err: unknown) => {
  say(`local fleet failed: ${err instanceof Error ? err.message : String(err)}`);
  // Removes a half-built lab; harmless (every step may fail) where there is none.
  stopControlPlaneLab().catch(() => undefined).finally(() => process.exit(1));
});
