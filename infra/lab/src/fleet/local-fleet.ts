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
import { Pool } from 'pg';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the demo seed's logins are the local fleet's operator: one source of truth
import { DEMO } from '../../../../apps/api/src/cli/demo-data';
import { labDir } from '../paths';
import { backends, clients } from '../topology';
import { operatorClient } from './api-client';
import { prepareLabBackends, startControlPlaneLab, stopControlPlaneLab } from './control-plane-lab';
import { startDryRunFleet } from './dry-run-fleet';
import { hostOf, LAB_ROUTED_PREFIXES, labReachable } from './lab-addresses';
import { localFleetInstructions, labPrerequisites } from './local-fleet-text';

const POPS = { edge1: 'ams', edge2: 'nyc' };
const say = (m: string): void => { process.stdout.write(`[fleet] ${m}\n`); };

async function waitForApi(apiUrl: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try { if ((await fetch(new URL('/v1/health', apiUrl))).status === 200) return; } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`the API at ${apiUrl} did not answer /v1/health within 180 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

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

async function main(): Promise<void> {
  const apiUrl = process.env.ANYFRONT_API_URL ?? `http://127.0.0.1:${process.env.API_PORT ?? 4000}`;
  await waitForApi(apiUrl);
  const operator = await operatorClient(apiUrl, DEMO.operator.email, DEMO.operator.password);
  const missing = process.env.ANYFRONT_LOCAL_FLEET_MODE === 'dry-run' ? 'ANYFRONT_LOCAL_FLEET_MODE=dry-run' : labPrerequisites((bin) => {
    try { execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }); return true; } catch { return false; }
  });

  let teardown: () => Promise<void> = async () => undefined;
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
    say(`no lab (${missing}): starting 2 edge agents with a dry-run data plane instead. They register with the API, pull and report deploy status; they change nothing in the kernel, send no probes and no traffic.`);
    const fleet = await startDryRunFleet({ apiUrl, operator, dir: `${labDir()}-dry-run`, popCodes: POPS, log: say });
    teardown = fleet.stop;
    say(`dry-run agents: ${fleet.agents.map((a) => `${a.name} (${a.url}/v1/status)`).join(', ')}. Run npm start as root on Linux with iproute2, nftables and bird2 for a real local fleet.`);
    return;
  }

  say('building the lab (namespaces, router with BIRD, 3 backends, 2 edges with the real agent) ...');
  const db = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  const timers: NodeJS.Timeout[] = [];
  teardown = async () => {
    timers.forEach(clearInterval);
    await db.end().catch(() => undefined);
    await stopControlPlaneLab(say);
  };
  const lab = await startControlPlaneLab({ apiUrl, operator, popCodes: POPS, log: (m) => say(m) });
  if (stopping) return;
  process.stdout.write(localFleetInstructions({
    apiUrl: apiUrl.replace('127.0.0.1', 'localhost'), apiKey: DEMO.apiKey,
    edges: lab.edges.map((e) => ({ ns: e.ns, pop: e.pop })), clientNs: clients[0].ns,
    backends: backends.map((b) => b.link.peerV6), prefixes: LAB_ROUTED_PREFIXES,
  }));

  // The backends must hold a service's anycast addresses to answer it (the kit puts them on lo).
  let held = '';
  const announced = new Set<string>();
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
      // Once a service has a lab backend, say how to reach it (once per address).
      for (const r of rows.filter((x) => x.lab_backend && !announced.has(x.address))) {
        announced.add(r.address);
        say(`service ${r.service} (${r.id}): try  ip netns exec ${clients[0].ns} curl http://${hostOf(r.address)}/whoami`);
      }
    } catch (e) {
      say(`backend address sync failed (retrying): ${(e as Error).message}`);
    } finally {
      busy = false;
    }
  };
  await sync();
  timers.push(setInterval(() => void sync(), 2000));
}

main().catch((err: unknown) => {
  say(`local fleet failed: ${err instanceof Error ? err.message : String(err)}`);
  // Removes a half-built lab; harmless (every step may fail) where there is none.
  stopControlPlaneLab().catch(() => undefined).finally(() => process.exit(1));
});
