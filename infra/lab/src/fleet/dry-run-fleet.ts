import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { run } from '../exec';
import { REGISTER, REPO_ROOT } from '../paths';
import { ok, type AdminClient } from './api-client';
import { ensureEdgeNode } from './control-plane-lab';
import { freePort } from '@anyfront/testing';
import { edges } from '../topology';

/**
 * Where the lab cannot run (not root, or ip/nft/bird missing): the same two edge nodes, registered
 * the same way, but their agents run in the root namespace on loopback ports with a dry-run data
 * plane: no nft, no routes, no BIRD, no health probes. They pull, receive pushes and report status
 * (and empty traffic) to the local API, so deploy status works; nothing is sent anywhere else.
 */
export interface DryRunFleet { agents: { name: string; nodeId: string; pid: number; url: string; log: string }[]; stop: () => Promise<void> }

/** `statusIntervalSeconds`: the agents' periodic status report (default 5 s; they also report after every apply). */
export async function startDryRunFleet(o: { apiUrl: string; operator: AdminClient; dir: string; popCodes: Record<string, string>; log?: (m: string) => void; statusIntervalSeconds?: number }): Promise<DryRunFleet> {
  const log = o.log ?? (() => undefined);
  rmSync(o.dir, { recursive: true, force: true });
  mkdirSync(o.dir, { recursive: true });
  const children: ChildProcess[] = [];
  const agents: DryRunFleet['agents'] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => new Promise<void>((r) => {
      if (c.exitCode !== null || c.signalCode !== null) return r();
      const t = setTimeout(() => c.kill('SIGKILL'), 5000);
      c.once('exit', () => { clearTimeout(t); r(); });
      c.kill('SIGTERM');
    })));
  };
  try {
    for (const edge of edges) {
      const node = await ensureEdgeNode(o.operator, edge, o.popCodes[edge.name] ?? edge.pop);
      const port = await freePort();
      const stateDir = join(o.dir, edge.name, 'state');
      const pushToken = randomBytes(16).toString('hex');
      const pushUrl = `http://127.0.0.1:${port}/v1/desired-state`;
      const { token } = await ok(o.operator.POST('/v1/admin/fleet/edge-nodes/{id}/bootstrap-tokens', { params: { path: { id: node.id } } }));
      await run(process.execPath, ['-r', REGISTER, join(REPO_ROOT, 'apps/edge-agent/src/control-plane/register-cli.ts'), 'register',
        '--api', o.apiUrl, '--state-dir', stateDir, '--bootstrap-token', token, '--push-url', pushUrl, '--push-token', pushToken], { timeoutMs: 60_000 });
      const config = join(o.dir, edge.name, 'agent.json');
      writeFileSync(config, JSON.stringify({
        node_id: node.id,
        state_dir: stateDir,
        listen: { host: '127.0.0.1', port },
        push_token: pushToken,
        uplink_device: 'lo',
        tunnel_source_ipv4: edge.link.peerV4,
        tunnel_source_ipv6: edge.link.peerV6,
        dry_run: true,
        allow_documentation_addresses: true, // the demo's backends are documentation/unique-local addresses
        health: { enabled: false },
        control_plane: { url: o.apiUrl, credential_file: join(stateDir, 'credential'), push_url: pushUrl, pull_interval_seconds: 30, status_interval_seconds: o.statusIntervalSeconds ?? 5, traffic_interval_seconds: 10 },
        log_level: 'warn',
      }, null, 2));
      const logFile = join(o.dir, edge.name, 'agent.log');
      const fd = openSync(logFile, 'a');
      const child = spawn(process.execPath, ['-r', REGISTER, join(REPO_ROOT, 'apps/edge-agent/src/main.ts'), '--config', config], { cwd: REPO_ROOT, stdio: ['ignore', fd, fd] });
      closeSync(fd);
      children.push(child);
      agents.push({ name: edge.name, nodeId: node.id, pid: child.pid ?? 0, url: `http://127.0.0.1:${port}`, log: logFile });
      log(`${edge.name}: dry-run agent for edge node ${node.id} on 127.0.0.1:${port} (log ${logFile})`);
    }
    return { agents, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
