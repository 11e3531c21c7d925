import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BACKEND_VERIFY_PORT, DesiredState } from '@anyfront/contracts';
import { isAlive, nsRun, run, waitFor, WaitAborted } from './exec';
import { connectToRouter, createNamespace, deleteNamespace, listNamespaces, sysctl } from './netns';
import { labDir, labJsonPath, PROCS_DIR, REGISTER, REPO_ROOT } from './paths';
import { readPidFile, readTracked, spawnTracked, stopPid } from './processes';
import { bgpStates, kernelNextHops, RouterBirdPaths, setRouterPrefs, startRouterBird } from './router-bird';
import { allNamespaces, anycastAll, Backend, backends, clients, Edge, edges, FLEET_SEED, pools, ROUTER_NS, SERVICE_ID, SERVICE_PORT, UNCONFIGURED_PORT, urlHost } from './topology';
import { agentHttp, AgentReply, agentStatus, edgeFiles, EdgeFiles, LAB_DATAPATH, renderAgentConfig, writeDesiredStateFile } from './agent';
import { composeDesiredState } from './desired';
import { signForLab } from './state-signing';
import { addKitTokens, prepareBackend, startKitAnswerer } from './backend-prep';

export interface LabOptions {
  /** Hash seed per edge name (default: the one fleet seed everywhere). */
  hashSeeds?: Record<string, number>;
  /** Extra agent config keys for every edge (e.g. a small flow table for the flood test). */
  agentConfig?: Record<string, unknown>;
  log?: (msg: string) => void;
}

export interface LabDescription {
  dir: string;
  created_at: string;
  namespaces: string[];
  hash_seed: number;
  service: { id: string; anycast: string[]; port: number };
  pools: { id: string; prefix: string; family: number }[];
  router: { ns: string; bird: { socket: string; config: string; pid: number | undefined }; interfaces: Record<string, { ipv4: string; ipv6: string }> };
  clients: { name: string; ns: string; ipv4: string; ipv6: string }[];
  edges: {
    name: string; ns: string; node_id: string; ipv4: string; ipv6: string; uplink: string;
    agent: { pid: number; url: string; token: string; config: string; desired_state_file: string; log: string };
    bird: { socket: string; config: string; pid_file: string; pid: number | undefined };
  }[];
  backends: { name: string; id: string; ns: string; ipv4: string; ipv6: string; http_pid: number; log: string }[];
}

export function routerBirdPaths(dir = labDir()): RouterBirdPaths {
  return { config: join(dir, 'router-bird.conf'), prefs: join(dir, 'router-prefs.conf'), socket: join(dir, 'router.ctl'), pidFile: join(dir, 'router-bird.pid'), log: join(dir, 'router-bird.log') };
}

export function edgeByName(name: string): Edge {
  const e = edges.find((x) => x.name === name);
  if (!e) throw new Error(`no lab edge named ${name} (have ${edges.map((x) => x.name).join(', ')})`);
  return e;
}

let lastGeneration = 0;
/** Generations only grow, also across lab CLI invocations (milliseconds since the epoch). */
export function nextGeneration(): number {
  lastGeneration = Math.max(lastGeneration + 1, Date.now());
  return lastGeneration;
}

export function readLab(): LabDescription {
  if (!existsSync(labJsonPath())) throw new Error(`no lab is running (${labJsonPath()} missing); run: npm run lab -- up`);
  return JSON.parse(readFileSync(labJsonPath(), 'utf8')) as LabDescription;
}

/** Removes everything a lab made: tracked processes, BIRD daemons, namespaces, the lab directory. Safe to call twice. */
export async function stopLab(log: (m: string) => void = () => undefined): Promise<void> {
  const dir = labDir();
  // Agents first: on SIGTERM they withdraw and stop their own BIRD.
  const tracked = readTracked();
  for (const p of tracked.filter((t) => t.name.startsWith('agent-'))) await stopPid(p.pid);
  for (const p of tracked.filter((t) => !t.name.startsWith('agent-'))) await stopPid(p.pid, 1000);
  const birdPids = [readPidFile(routerBirdPaths(dir).pidFile), ...edges.map((e) => readPidFile(edgeFiles(dir, e).birdPid))];
  for (const pid of birdPids) if (pid) await stopPid(pid, 1000);
  const have = await listNamespaces();
  for (const ns of allNamespaces()) if (have.includes(ns)) { await deleteNamespace(ns); log(`deleted namespace ${ns}`); }
  rmSync(dir, { recursive: true, force: true });
}

/** Builds the whole lab and waits until it forwards: BGP up on both edges, ECMP routes, service reachable. */
export async function startLab(options: LabOptions = {}): Promise<LabDescription> {
  const log = options.log ?? (() => undefined);
  await stopLab(log);
  const dir = labDir();
  mkdirSync(dir, { recursive: true });

  const { routerPid } = await buildNetwork(dir, log);
  const rb = routerBirdPaths(dir);
  const backendOut = await startBackends(dir, anycastAll, log);

  const edgeOut: LabDescription['edges'] = [];
  const generation = nextGeneration();
  for (const e of edges) {
    const files = edgeFiles(dir, e);
    mkdirSync(files.stateDir, { recursive: true });
    const token = randomBytes(16).toString('hex');
    writeFileSync(files.config, JSON.stringify({ ...(renderAgentConfig(e, files, token) as object), ...options.agentConfig }, null, 2));
    writeDesiredStateFile(files, composeDesiredState({ edge: e, generation, backends, hashSeed: options.hashSeeds?.[e.name] }));
    const p = spawnLabAgent(e, files);
    edgeOut.push({
      name: e.name, ns: e.ns, node_id: e.nodeId, ipv4: e.link.peerV4, ipv6: e.link.peerV6, uplink: e.link.peerIf,
      agent: { pid: p.pid, url: `http://127.0.0.1:9180 (inside ${e.ns})`, token, config: files.config, desired_state_file: files.desiredState, log: files.log },
      bird: { socket: files.birdSocket, config: files.birdConfig, pid_file: files.birdPid, pid: undefined },
    });
  }
  for (const e of edgeOut) {
    const edge = edgeByName(e.name);
    await waitFor(`${e.name} agent applied generation ${generation} and announcing`, async () => {
      if (!isAlive(e.agent.pid)) throw new WaitAborted(`${e.name} agent exited; see ${e.agent.log}`);
      const s = await agentStatus(edge);
      return s.applied_generation === generation && s.programmed && s.announced;
    }, 60_000, 250);
    e.bird.pid = readPidFile(e.bird.pid_file);
  }
  log('agents programmed and announcing');

  await waitFor('router BGP sessions Established with every edge', async () => {
    const st = await bgpStates(rb.socket);
    return edges.every((e) => st[e.name] === 'Established' && st[`${e.name}_v6`] === 'Established');
  }, 30_000, 200);
  await waitForRouterPath(edges.map((e) => e.name));
  log('router has ECMP routes for every pool via every edge');

  for (const c of clients) {
    for (const a of anycastAll) {
      await waitFor(`${c.name} reaches ${a}`, async () => (await nsRun(c.ns, 'curl', ['-sfg', '-m', '2', `http://${urlHost(a)}/whoami`], { allowFail: true })).code === 0, 20_000, 250);
    }
  }

  const desc: LabDescription = {
    dir, created_at: new Date().toISOString(), namespaces: allNamespaces(),
    hash_seed: FLEET_SEED,
    service: { id: SERVICE_ID, anycast: anycastAll, port: SERVICE_PORT },
    pools: pools.map((p) => ({ ...p })),
    router: {
      ns: ROUTER_NS, bird: { socket: rb.socket, config: rb.config, pid: routerPid },
      interfaces: Object.fromEntries([...clients, ...edges, ...backends].map((x) => [x.link.routerIf, { ipv4: x.link.routerV4, ipv6: x.link.routerV6 }])),
    },
    clients: clients.map((c) => ({ name: c.name, ns: c.ns, ipv4: c.link.peerV4, ipv6: c.link.peerV6 })),
    edges: edgeOut,
    backends: backendOut,
  };
  writeFileSync(labJsonPath(), JSON.stringify(desc, null, 2));
  return desc;
}

function spawnLabAgent(e: Edge, files: EdgeFiles) {
  return spawnTracked(`agent-${e.name}`, e.ns, process.execPath, ['-r', REGISTER, join(REPO_ROOT, 'apps/edge-agent/src/main.ts'), '--config', files.config], files.log);
}

/** Starts one edge's agent again with its config (after a test killed it) and waits until it announces. */
export async function restartLabAgent(name: string): Promise<number> {
  const lab = readLab();
  const entry = lab.edges.find((x) => x.name === name);
  if (!entry) throw new Error(`no lab edge named ${name}`);
  if (isAlive(entry.agent.pid)) await stopPid(entry.agent.pid);
  const edge = edgeByName(name);
  const p = spawnLabAgent(edge, edgeFiles(lab.dir, edge));
  entry.agent.pid = p.pid;
  writeFileSync(labJsonPath(), JSON.stringify(lab, null, 2));
  await waitFor(`${name} agent announcing again`, async () => {
    if (!isAlive(p.pid)) throw new WaitAborted(`${name} agent exited; see ${entry.agent.log}`);
    const st = await agentStatus(edge).catch(() => null);
    return st?.programmed === true && st.announced;
  }, 60_000, 250);
  return p.pid;
}

/** The pid of the BIRD watchdog an edge's agent spawned (found by its heartbeat file in /proc). */
export function watchdogPid(name: string): number | undefined {
  const heartbeat = join(edgeFiles(labDir(), edgeByName(name)).stateDir, 'heartbeat.json');
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let argv: string[] = [];
    try { argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0'); } catch { continue; }
    if (argv.includes('watchdog') && argv.includes(heartbeat) && isAlive(Number(d))) return Number(d);
  }
  return undefined;
}

/**
 * Namespaces, links to the router, forwarding sysctls and the router's BIRD: the part of the lab
 * both the file-fed lab and the control-plane lab share. `perEdge` adds links of a variant's own.
 */
export async function buildNetwork(dir: string, log: (m: string) => void, perEdge?: (e: Edge) => Promise<void>): Promise<{ routerPid: number }> {
  for (const ns of allNamespaces()) await createNamespace(ns);
  await sysctl(ROUTER_NS, { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '1' });
  for (const c of clients) {
    await connectToRouter(c.ns, c.link);
    // XDP_TX keeps no checksum offload: with the XDP data path the clients compute their checksums.
    if (LAB_DATAPATH === 'xdp') await nsRun(c.ns, 'ethtool', ['-K', c.link.peerIf, 'tx', 'off']);
  }
  for (const e of edges) {
    await connectToRouter(e.ns, e.link);
    // A veth delivers XDP_TX frames only to a peer running an XDP program (af_pass.o: XDP_PASS).
    if (LAB_DATAPATH === 'xdp') await nsRun(ROUTER_NS, 'ip', ['link', 'set', 'dev', e.link.routerIf, 'xdp', 'obj', join(REPO_ROOT, 'dist/xdp/af_pass.o'), 'sec', 'xdp']);
    await sysctl(e.ns, { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '1', 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.default.rp_filter': '0', 'net.ipv4.conf.up0.rp_filter': '0' });
    if (perEdge) await perEdge(e);
  }
  for (const b of backends) await connectToRouter(b.ns, b.link);
  log('namespaces and links up');
  const routerPid = await startRouterBird(edges, routerBirdPaths(dir));
  log(`router BIRD running (pid ${routerPid})`);
  return { routerPid };
}

/** Prepares every backend with the kit for `anycast` (none: leave unprepared) and starts its HTTP server. */
export async function startBackends(dir: string, anycast: string[], log: (m: string) => void): Promise<LabDescription['backends']> {
  // The backends side by side: each step is a kit run (a Node process start, most of a lab's set-up
  // time one backend after the other) in the backend's own namespace and files.
  const out = await Promise.all(backends.map(async (b): Promise<LabDescription['backends'][number]> => {
    if (anycast.length) await prepareBackend(b, anycast);
    // The kit answers the edges' ownership challenges: the lab's own token (file-fed desired states);
    // the control-plane lab adds the tokens the API gives each backend it creates.
    await addKitTokens(b, [b.verifyToken]);
    startKitAnswerer(b);
    const pid = spawnBackendServer(b.name);
    return { name: b.name, id: b.id, ns: b.ns, ipv4: b.link.peerV4, ipv6: b.link.peerV6, http_pid: pid, log: join(dir, `${b.name}-http.log`) };
  }));
  await Promise.all(backends.map((b) => waitForBackendServer(b.name)));
  await Promise.all(backends.map((b) => waitForKitAnswerer(b)));
  log(anycast.length ? 'backends prepared by the kit, answering challenges and serving HTTP' : 'backends answering challenges and serving HTTP');
  return out;
}

function backendByName(name: string): Backend {
  const b = backends.find((x) => x.name === name);
  if (!b) throw new Error(`no lab backend named ${name}`);
  return b;
}

function spawnBackendServer(name: string): number {
  const b = backendByName(name);
  const args = ['-r', REGISTER, join(PROCS_DIR, 'backend-server.ts'), b.name, String(SERVICE_PORT), String(UNCONFIGURED_PORT)];
  return spawnTracked(`http-${b.name}`, b.ns, process.execPath, args, join(labDir(), `${b.name}-http.log`)).pid;
}

/** The kit's answerer listens (anything that is not a challenge gets 400). */
async function waitForKitAnswerer(b: Backend): Promise<void> {
  await waitFor(`${b.name} kit answerer`, async () => (await nsRun(b.ns, 'curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '1', `http://${b.link.peerV4}:${BACKEND_VERIFY_PORT}/`], { allowFail: true })).stdout === '400', 60_000, 250);
}

async function waitForBackendServer(name: string): Promise<void> {
  const b = backendByName(name);
  await waitFor(`${b.name} HTTP server`, async () => (await nsRun(b.ns, 'curl', ['-sf', '-m', '1', `http://${b.link.peerV4}:${SERVICE_PORT}/health`], { allowFail: true })).code === 0, 30_000, 200);
}

/** Stops one backend's HTTP server (the backend host stays up): a failed service for health-check tests. */
export async function stopBackendServer(name: string): Promise<void> {
  const p = readTracked().find((t) => t.name === `http-${name}`);
  if (p) await stopPid(p.pid);
}

/** (Re)starts one backend's HTTP server and waits until it answers on its unicast address. */
export async function startBackendServer(name: string): Promise<void> {
  await stopBackendServer(name);
  const pid = spawnBackendServer(name);
  const lab = readLab();
  const entry = lab.backends.find((x) => x.name === name);
  if (entry) entry.http_pid = pid;
  writeFileSync(labJsonPath(), JSON.stringify(lab, null, 2));
  await waitForBackendServer(name);
}

/** Asks every backend how many UDP datagrams reached its service port. */
export async function backendUdpDatagrams(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const b of backends) {
    const { stdout } = await nsRun(b.ns, 'curl', ['-sf', '-m', '2', `http://${b.link.peerV4}:${SERVICE_PORT}/stats`]);
    out[b.name] = (JSON.parse(stdout) as { udp_datagrams: number }).udp_datagrams;
  }
  return out;
}

/** Waits until the router's kernel routes for every pool go via exactly these edges. */
export async function waitForRouterPath(edgeNames: string[], timeoutMs = 20_000): Promise<void> {
  await waitFor(`router routes via ${edgeNames.join('+')}`, () => routerPathIs(edgeNames), timeoutMs, 50);
}

/** True when the router's kernel routes every pool via exactly these edges. */
export async function routerPathIs(edgeNames: string[]): Promise<boolean> {
  const want = (family: 4 | 6): string => edgeNames.map((n) => (family === 4 ? edgeByName(n).link.peerV4 : edgeByName(n).link.peerV6)).sort().join(',');
  for (const p of pools) if ((await kernelNextHops(p.prefix)).join(',') !== want(p.family)) return false;
  return true;
}

/**
 * Moves the router's path for every pool: only via the named edges (ECMP if several). Done the way an
 * upstream does it, by BGP local preference (BIRD reconfiguration), and waits for the kernel route.
 */
export async function setRouterPath(edgeNames: string[]): Promise<void> {
  const prefs = Object.fromEntries(edges.map((e) => [e.name, edgeNames.includes(e.name) ? 200 : 100]));
  await setRouterPrefs(edges, routerBirdPaths(), prefs);
  await waitForRouterPath(edgeNames);
}

/** Pushes a desired state, signed with the lab's key, to an edge's agent over its HTTP API (Bearer token from lab.json). */
export async function pushDesiredState(edgeName: string, state: DesiredState): Promise<AgentReply> {
  const lab = readLab();
  const token = lab.edges.find((e) => e.name === edgeName)?.agent.token;
  return agentHttp(edgeByName(edgeName), 'POST', '/v1/desired-state', { token, body: signForLab(state) });
}

export async function agentPost(edgeName: string, path: string): Promise<AgentReply> {
  const lab = readLab();
  const token = lab.edges.find((e) => e.name === edgeName)?.agent.token;
  return agentHttp(edgeByName(edgeName), 'POST', path, { token });
}

/** One line per component: is it alive. */
export async function labLiveness(): Promise<Record<string, boolean | string>> {
  const lab = readLab();
  const out: Record<string, boolean | string> = {};
  const have = await listNamespaces();
  for (const ns of lab.namespaces) out[`netns ${ns}`] = have.includes(ns);
  out['router bird'] = isAlive(lab.router.bird.pid);
  const st = await bgpStates(lab.router.bird.socket).catch((): Record<string, string> => ({}));
  for (const e of lab.edges) {
    out[`agent ${e.name}`] = isAlive(e.agent.pid);
    out[`bird ${e.name}`] = isAlive(readPidFile(e.bird.pid_file));
    out[`bgp router<->${e.name} (IPv4)`] = st[e.name] ?? 'unknown';
    out[`bgp router<->${e.name} (IPv6)`] = st[`${e.name}_v6`] ?? 'unknown';
  }
  for (const b of lab.backends) out[`http ${b.name}`] = isAlive(b.http_pid);
  for (const p of pools) out[`route ${p.prefix}`] = (await kernelNextHops(p.prefix)).join(' ') || 'none';
  return out;
}

export { run };
