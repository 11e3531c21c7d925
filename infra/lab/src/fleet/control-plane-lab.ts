import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isAlive, nsRun, waitFor, WaitAborted } from '../exec';
import { labDir, labJsonPath, REGISTER, REPO_ROOT } from '../paths';
import { readPidFile, readTracked, spawnTracked, stopPid } from '../processes';
import { bgpStates, kernelNextHops } from '../router-bird';
import { allNamespaces, backends, clients, Edge, edges, FLEET_SEED, ROUTER_NS, SERVICE_PORT } from '../topology';
import { agentStatus, AgentStatus, AGENT_PORT, edgeFiles, renderAgentConfig } from '../agent';
import { prepareBackend } from '../backend-prep';
import { buildNetwork, edgeByName, LabDescription, routerBirdPaths, startBackends, stopLab } from '../lab';
import { listAll, ok, type AdminClient } from './api-client';
import { connectToRoot, MgmtLink, mgmtLinks, removeRootLinks } from './mgmt';

/**
 * The lab in control-plane mode: the same namespaces, router and backends as `startLab`, but the
 * edges' agents get no desired-state file. Each edge node exists in the API (created by the operator
 * API or found by name), its agent registers with a one-time bootstrap token from inside the edge
 * namespace, then pulls its desired state, receives the worker's pushes on its management address,
 * and reports status, health and traffic. Pools and anycast addresses come from the API.
 */
export interface ControlPlaneLabOptions {
  /** Base URL of the API as seen from the root namespace, e.g. http://127.0.0.1:4000 (only the port is reused for the agents). */
  apiUrl: string;
  /** Operator session (operatorClient) used to create/find PoPs and edge nodes and to issue bootstrap tokens. */
  operator: AdminClient;
  /** PoP code per lab edge (the PoPs must exist); default edge1 -> lab1, edge2 -> lab2. */
  popCodes?: Record<string, string>;
  /** Seconds between the agents' traffic reports (default 10) and status reports / pulls. */
  trafficIntervalSeconds?: number;
  statusIntervalSeconds?: number;
  pullIntervalSeconds?: number;
  /** Anycast addresses to hold on the backends from the start (more can be added with prepareLabBackends). */
  anycast?: string[];
  log?: (msg: string) => void;
}

export interface ControlPlaneEdge {
  name: string;
  ns: string;
  /** The edge node's id in the API. */
  nodeId: string;
  pop: string;
  mgmt: MgmtLink;
  apiUrl: string;
  pushUrl: string;
  pushToken: string;
  config: string;
  stateDir: string;
  log: string;
}

export interface ControlPlaneLab { description: LabDescription; edges: ControlPlaneEdge[] }

const EDGE_NODE_PREFIX = 'lab-';

function portOf(url: string): string {
  const u = new URL(url);
  return u.port || (u.protocol === 'https:' ? '443' : '80');
}

/** Removes the lab (also one in control-plane mode): processes, namespaces, management links, files. */
export async function stopControlPlaneLab(log: (m: string) => void = () => undefined): Promise<void> {
  await stopLab(log);
  await removeRootLinks();
}

/**
 * Finds the lab edge's node (by name `lab-<edge>`) or creates it in the given PoP, with the edge's
 * tunnel sources and management addresses (the worker pushes only to an address of the node).
 */
export async function ensureEdgeNode(operator: AdminClient, edge: Edge, popCode: string, managementAddresses: string[] = []): Promise<{ id: string; popId: string }> {
  const pops = await listAll((cursor) => ok(operator.GET('/v1/admin/pops', { params: { query: { limit: 200, cursor } } })));
  const pop = pops.find((p) => p.code === popCode);
  if (!pop) throw new Error(`PoP ${popCode} does not exist in the API (have: ${pops.map((p) => p.code).join(', ') || 'none'})`);
  const name = `${EDGE_NODE_PREFIX}${edge.name}`;
  const nodes = await listAll((cursor) => ok(operator.GET('/v1/admin/edge-nodes', { params: { query: { limit: 200, cursor } } })));
  const want = { pop_id: pop.id, name, tunnel_source_ipv4: edge.link.peerV4, tunnel_source_ipv6: edge.link.peerV6, management_addresses: managementAddresses };
  const existing = nodes.find((n) => n.name === name);
  if (!existing) return { id: (await ok(operator.POST('/v1/admin/edge-nodes', { body: want }))).id, popId: pop.id };
  if (existing.pop_id !== pop.id || existing.tunnel_source_ipv4 !== want.tunnel_source_ipv4 || existing.tunnel_source_ipv6 !== want.tunnel_source_ipv6
    || existing.management_addresses.join() !== managementAddresses.join()) {
    await ok(operator.PATCH('/v1/admin/edge-nodes/{id}', { params: { path: { id: existing.id } }, body: want }));
  }
  return { id: existing.id, popId: pop.id };
}

function spawnAgent(e: ControlPlaneEdge): number {
  return spawnTracked(`agent-${e.name}`, e.ns, process.execPath, ['-r', REGISTER, join(REPO_ROOT, 'apps/edge-agent/src/main.ts'), '--config', e.config], e.log).pid;
}

function agentPid(name: string): number | undefined {
  return readTracked().find((t) => t.name === `agent-${name}`)?.pid;
}

/** Stops one edge's agent (SIGTERM: it withdraws, stops its BIRD and tells the API). */
export async function stopEdgeAgent(name: string): Promise<void> {
  const pid = agentPid(name);
  if (pid) await stopPid(pid);
}

/** (Re)starts one edge's agent with its stored credential; resolves once it answers on its local API. */
export async function startEdgeAgent(e: ControlPlaneEdge): Promise<void> {
  await stopEdgeAgent(e.name);
  const pid = spawnAgent(e);
  await waitFor(`${e.name} agent answering`, async () => {
    if (!isAlive(pid)) throw new WaitAborted(`${e.name} agent exited; see ${e.log}`);
    return agentStatus(edgeByName(e.name));
  }, 60_000, 250);
}

/** Waits until the edge's agent applied at least `generation` (any generation > 0 when omitted). */
export async function waitForAgentGeneration(name: string, generation = 1, timeoutMs = 60_000): Promise<AgentStatus> {
  const pid = agentPid(name);
  return waitFor(`${name} agent applied generation >= ${generation}`, async () => {
    if (!isAlive(pid)) throw new WaitAborted(`${name} agent is not running`);
    const s = await agentStatus(edgeByName(name));
    return (s.applied_generation ?? 0) >= generation && s.programmed ? s : undefined;
  }, timeoutMs, 200);
}

/**
 * (Re)prepares every backend with the real backend kit for these anycast addresses (the kit undoes
 * its previous run first), so a service created in the API is answered by the lab backends.
 */
export async function prepareLabBackends(anycast: string[]): Promise<void> {
  await Promise.all(backends.map((b) => prepareBackend(b, anycast)));
}

/** Registers the edge's agent from inside its namespace with a fresh bootstrap token (the real register CLI). */
async function registerAgent(operator: AdminClient, e: ControlPlaneEdge): Promise<void> {
  const { token } = await ok(operator.POST('/v1/admin/fleet/edge-nodes/{id}/bootstrap-tokens', { params: { path: { id: e.nodeId } } }));
  const cli = join(REPO_ROOT, 'apps/edge-agent/src/control-plane/register-cli.ts');
  const { stdout } = await nsRun(e.ns, process.execPath, ['-r', REGISTER, cli, 'register', '--api', e.apiUrl, '--state-dir', e.stateDir,
    '--bootstrap-token', token, '--push-url', e.pushUrl, '--push-token', e.pushToken], { timeoutMs: 60_000 });
  const line = stdout.trim().split('\n').pop() ?? '';
  const out = JSON.parse(line) as { node_id: string };
  if (out.node_id !== e.nodeId) throw new Error(`${e.name} registered as ${out.node_id}, expected ${e.nodeId}`);
}

/** Builds the lab with agents driven by the API; resolves when every agent applied a pulled state and BGP is up. */
export async function startControlPlaneLab(o: ControlPlaneLabOptions): Promise<ControlPlaneLab> {
  const log = o.log ?? (() => undefined);
  await stopControlPlaneLab(log);
  const dir = labDir();
  mkdirSync(dir, { recursive: true });
  const links = mgmtLinks();

  const { routerPid } = await buildNetwork(dir, log, (e) => connectToRoot(e, links.get(e.name)!));
  const rb = routerBirdPaths(dir);
  // Without service addresses yet the backends are only started; the local fleet prepares them later.
  const backendOut = await startBackends(dir, o.anycast ?? [], log);

  const cpEdges: ControlPlaneEdge[] = [];
  for (const edge of edges) {
    const popCode = o.popCodes?.[edge.name] ?? edge.pop;
    const mgmt = links.get(edge.name)!;
    const node = await ensureEdgeNode(o.operator, edge, popCode, [mgmt.edgeV4]);
    const files = edgeFiles(dir, edge);
    mkdirSync(files.stateDir, { recursive: true });
    const e: ControlPlaneEdge = {
      name: edge.name, ns: edge.ns, nodeId: node.id, pop: popCode, mgmt,
      apiUrl: `http://${mgmt.rootV4}:${portOf(o.apiUrl)}`,
      pushUrl: `http://${mgmt.edgeV4}:${AGENT_PORT}/v1/desired-state`,
      pushToken: randomBytes(16).toString('hex'),
      config: files.config, stateDir: files.stateDir, log: files.log,
    };
    await registerAgent(o.operator, e);
    const base = renderAgentConfig(edge, files, e.pushToken) as Record<string, unknown>;
    delete base.desired_state_file;
    delete base.state_keys; // the control plane's keys come with registration
    base.allowed_prefixes = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', 'fd00:a0::/48']; // pools come from the API: the lab's and the demo's
    writeFileSync(files.config, JSON.stringify({
      ...base,
      node_id: e.nodeId,
      // Every address of the namespace: the worker pushes to mgmt0, the lab's helpers use 127.0.0.1.
      listen: { host: '0.0.0.0', port: AGENT_PORT },
      control_plane: {
        url: e.apiUrl,
        credential_file: join(e.stateDir, 'credential'),
        push_url: e.pushUrl,
        pull_interval_seconds: o.pullIntervalSeconds ?? 10,
        status_interval_seconds: o.statusIntervalSeconds ?? 5,
        traffic_interval_seconds: o.trafficIntervalSeconds ?? 10,
      },
    }, null, 2));
    cpEdges.push(e);
    log(`${edge.name}: edge node ${e.nodeId} (PoP ${popCode}) registered; agent reaches the API at ${e.apiUrl}`);
  }
  for (const e of cpEdges) await startEdgeAgent(e);
  for (const e of cpEdges) await waitForAgentGeneration(e.name);
  log('agents pulled and applied their desired state');

  await waitFor('router BGP sessions Established with every edge', async () => {
    const st = await bgpStates(rb.socket);
    return edges.every((e) => st[e.name] === 'Established' && st[`${e.name}_v6`] === 'Established');
  }, 30_000, 200);
  log('BGP up between the router and every edge');

  const description: LabDescription = {
    dir, created_at: new Date().toISOString(), namespaces: allNamespaces(),
    hash_seed: FLEET_SEED,
    service: { id: '', anycast: o.anycast ?? [], port: SERVICE_PORT },
    pools: [],
    router: {
      ns: ROUTER_NS, bird: { socket: rb.socket, config: rb.config, pid: routerPid },
      interfaces: Object.fromEntries([...clients, ...edges, ...backends].map((x) => [x.link.routerIf, { ipv4: x.link.routerV4, ipv6: x.link.routerV6 }])),
    },
    clients: clients.map((c) => ({ name: c.name, ns: c.ns, ipv4: c.link.peerV4, ipv6: c.link.peerV6 })),
    edges: cpEdges.map((e) => {
      const edge = edgeByName(e.name);
      const files = edgeFiles(dir, edge);
      return {
        name: e.name, ns: e.ns, node_id: e.nodeId, ipv4: edge.link.peerV4, ipv6: edge.link.peerV6, uplink: edge.link.peerIf,
        agent: { pid: agentPid(e.name) ?? 0, url: `http://${e.mgmt.edgeV4}:${AGENT_PORT}`, token: e.pushToken, config: e.config, desired_state_file: '', log: e.log },
        bird: { socket: files.birdSocket, config: files.birdConfig, pid_file: files.birdPid, pid: readPidFile(files.birdPid) },
      };
    }),
    backends: backendOut,
  };
  writeFileSync(labJsonPath(), JSON.stringify({ ...description, control_plane: { api_url: o.apiUrl, edges: cpEdges } }, null, 2));
  return { description, edges: cpEdges };
}

/**
 * Waits until the router's kernel has a route for `prefix` via every one of the named edges. 90 s by
 * default: a pool is announced once an edge verified a backend of it, and a backend whose kit got its
 * token late is challenged again only after a back-off (up to 30 s).
 */
export async function waitForRouteVia(prefix: string, edgeNames: string[], timeoutMs = 90_000): Promise<void> {
  const v6 = prefix.includes(':');
  const want = edgeNames.map((n) => (v6 ? edgeByName(n).link.peerV6 : edgeByName(n).link.peerV4)).sort().join(',');
  await waitFor(`router route ${prefix} via ${edgeNames.join('+')}`, async () => (await kernelNextHops(prefix)).join(',') === want, timeoutMs, 100);
}


