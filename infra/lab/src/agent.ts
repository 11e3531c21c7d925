import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DesiredState } from '@anyfront/contracts';
import { nsRun } from './exec';
import { Edge, EDGE_AS, pools, ROUTER_AS } from './topology';
import { labStatePublicKey, signForLab } from './state-signing';

export const AGENT_PORT = 9180;

export interface EdgeFiles { dir: string; config: string; desiredState: string; stateDir: string; birdConfig: string; birdSocket: string; birdPid: string; log: string }

export function edgeFiles(labDir: string, edge: Edge): EdgeFiles {
  const dir = join(labDir, edge.name);
  return {
    dir,
    config: join(dir, 'agent.json'),
    desiredState: join(dir, 'desired-state.json'),
    stateDir: join(dir, 'state'),
    birdConfig: join(dir, 'bird.conf'),
    birdSocket: join(dir, 'bird.ctl'),
    birdPid: join(dir, 'bird.pid'),
    log: join(dir, 'agent.log'),
  };
}

/**
 * ANYFRONT_LAB_DATAPATH=xdp runs the lab's edges on the XDP fast path (the lab prepares the veths
 * for it: XDP on the router's side of each edge link, no checksum offload on the clients); unset,
 * the agents' default, which is nft on a veth uplink (apps/edge-agent README, "XDP fast path").
 */
export const LAB_DATAPATH = process.env.ANYFRONT_LAB_DATAPATH === 'xdp' || process.env.ANYFRONT_LAB_DATAPATH === 'nft' ? process.env.ANYFRONT_LAB_DATAPATH : undefined;

/** The agent config file of one lab edge (format: apps/edge-agent/README.md). The agent spawns its own BIRD. */
export function renderAgentConfig(edge: Edge, files: EdgeFiles, token: string): unknown {
  return {
    node_id: edge.nodeId,
    state_dir: files.stateDir,
    desired_state_file: files.desiredState,
    listen: { host: '127.0.0.1', port: AGENT_PORT },
    push_token: token,
    // The lab signs the states it writes and pushes (an agent applies nothing unsigned).
    state_keys: [labStatePublicKey(dirname(files.dir))],
    // Defense in depth as in production: only the lab's pools, lab (documentation/ULA) backends.
    allowed_prefixes: pools.map((p) => p.prefix),
    allow_documentation_addresses: true,
    uplink_device: edge.link.peerIf,
    ...(LAB_DATAPATH ? { datapath: LAB_DATAPATH } : {}),
    tunnel_source_ipv4: edge.link.peerV4,
    tunnel_source_ipv6: edge.link.peerV6,
    log_level: 'info',
    // A narrowed backend path shows within a few health checks (production default: a pass holds 30 s).
    health: { path_mtu_recheck_seconds: 2 },
    bird: {
      config_path: files.birdConfig,
      control_socket: files.birdSocket,
      pid_file: files.birdPid,
      spawn: true,
      router_id: edge.link.peerV4,
      local_as: EDGE_AS,
      // One session per family: each carries the pools of its own family.
      neighbors: [
        { name: 'upstream4', address: edge.link.routerV4, as: ROUTER_AS, source_address: edge.link.peerV4 },
        { name: 'upstream6', address: edge.link.routerV6, as: ROUTER_AS, source_address: edge.link.peerV6 },
      ],
      // BFD notices a dead edge in 1.5 s; the hold time (>= 9 s, issue 9 §6) is only the fallback.
      bfd: true,
      hold_time: 9,
      keepalive_time: 3,
      // The watchdog withdraws 3 s after the agent stops heartbeating (production default 5 s).
      watchdog: { timeout_seconds: 3 },
    },
  };
}

export function writeDesiredStateFile(files: EdgeFiles, state: DesiredState): void {
  writeFileSync(files.desiredState, JSON.stringify(signForLab(state, dirname(files.dir)), null, 2));
}

export interface AgentReply { status: number; body: unknown }

/** Talks to an agent's local HTTP API from inside its namespace (it listens on 127.0.0.1 there). */
export async function agentHttp(edge: Edge, method: 'GET' | 'POST', path: string, opts: { token?: string; body?: unknown } = {}): Promise<AgentReply> {
  const args = ['-sS', '-m', '30', '-X', method, '-w', '\n%{http_code}'];
  if (opts.token) args.push('-H', `authorization: Bearer ${opts.token}`);
  if (opts.body !== undefined) args.push('-H', 'content-type: application/json', '--data-binary', '@-');
  args.push(`http://127.0.0.1:${AGENT_PORT}${path}`);
  const { stdout } = await nsRun(edge.ns, 'curl', args, { input: opts.body !== undefined ? JSON.stringify(opts.body) : undefined, allowFail: false });
  const cut = stdout.lastIndexOf('\n');
  const status = Number(stdout.slice(cut + 1));
  const text = stdout.slice(0, cut);
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* Prometheus text or empty */ }
  return { status, body };
}

export interface AgentStatus {
  node_id: string; applied_generation: number | null; programmed: boolean; announced: boolean; drained: boolean; last_error: string | null;
  services: { id: string; backends: { id: string; healthy: boolean; enabled: boolean; draining?: boolean; health_reason?: string | null }[] }[];
}

export async function agentStatus(edge: Edge): Promise<AgentStatus> {
  const r = await agentHttp(edge, 'GET', '/v1/status');
  if (r.status !== 200) throw new Error(`${edge.name} agent status answered ${r.status}`);
  return r.body as AgentStatus;
}

/** Parses Prometheus text into name{labels} -> value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [, key, value] = /^(\S+?(?:\{[^}]*\})?)\s+(\S+)/.exec(line) ?? [];
    if (key && value) out.set(key, Number(value));
  }
  return out;
}

export async function agentMetrics(edge: Edge): Promise<Map<string, number>> {
  const r = await agentHttp(edge, 'GET', '/metrics');
  if (r.status !== 200) throw new Error(`${edge.name} agent metrics answered ${r.status}`);
  return parseMetrics(String(r.body));
}
