import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { join } from 'node:path';
import { nsRunSync } from './exec';
import { createNamespace, defaultRoutes, deleteNamespace, sysctl, veth } from './netns';
import { PROCS_DIR } from './paths';

/**
 * A one-edge network for the edge agent's own lab test (apps/edge-agent/src/edge-agent.lab-spec.ts),
 * built with the lab's namespace helpers: namespaces (prefix `afd-`) for a client, a router, one
 * edge (where the test runs the real agent) and backends that decapsulate SRv6 by hand and serve
 * HTTP on the anycast addresses. Static routes instead of BGP. Addresses only from 192.0.2.0/24,
 * 203.0.113.0/24, 198.51.100.0/24, fd00::/8.
 */
export const NET = {
  client: { ns: 'afd-c', v4: '203.0.113.2', v6: 'fd00:afd:c::2' },
  router: { ns: 'afd-r' },
  edge: { ns: 'afd-e', v4: '192.0.2.2', v6: 'fd00:afd:e::2', uplink: 'e0' },
  anycastPrefix: '198.51.100.0/24',
  anycastPrefix6: 'fd00:afd:aa::/48',
};

export interface BackendNet {
  name: string;
  ns: string;
  /** The backend address the desired state names: the last (only) SRv6 segment, an address of the backend itself. */
  sid: string;
}

export function backendNet(k: number): BackendNet {
  return { name: `b${k}`, ns: `afd-b${k}`, sid: `fd00:afd:b${k}::2` };
}

/** Runs a command inside a namespace of this network; returns stdout, throws on failure. */
export const inNs = (ns: string, cmd: string, ...args: string[]): string => nsRunSync(ns, cmd, args);

export function namespaces(backends: number): string[] {
  return [NET.client.ns, NET.router.ns, NET.edge.ns, ...Array.from({ length: backends }, (_, i) => backendNet(i + 1).ns)];
}

export async function destroyNet(backends = 4): Promise<void> {
  for (const ns of namespaces(backends)) await deleteNamespace(ns);
}

/**
 * Builds client - router - edge, router - backend k. A backend decapsulates SRv6 whose last segment
 * is its own address (kernel SRH input, both inner families; needs seg6_enabled) and holds the
 * anycast addresses on lo.
 */
export async function createNet(backendCount: number, anycast: string[]): Promise<BackendNet[]> {
  await destroyNet(backendCount);
  for (const ns of namespaces(backendCount)) await createNamespace(ns);
  const r = NET.router.ns;
  await sysctl(r, { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '1' });
  await veth({ ns: NET.client.ns, ifname: 'c0', addresses: [`${NET.client.v4}/26`, `${NET.client.v6}/64`] }, { ns: r, ifname: 'rc', addresses: ['203.0.113.1/26', 'fd00:afd:c::1/64'] });
  await defaultRoutes(NET.client.ns, { v4: '203.0.113.1', v6: 'fd00:afd:c::1' });
  await veth({ ns: NET.edge.ns, ifname: NET.edge.uplink, addresses: [`${NET.edge.v4}/26`, `${NET.edge.v6}/64`] }, { ns: r, ifname: 're', addresses: ['192.0.2.1/26', 'fd00:afd:e::1/64'] });
  await defaultRoutes(NET.edge.ns, { v4: '192.0.2.1', v6: 'fd00:afd:e::1' });
  await sysctl(NET.edge.ns, { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '1', 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.default.rp_filter': '0' });
  // The router sends the anycast pool to the edge (BGP's job in the full lab; static here).
  inNs(r, 'ip', 'route', 'add', NET.anycastPrefix, 'via', NET.edge.v4);
  inNs(r, 'ip', '-6', 'route', 'add', NET.anycastPrefix6, 'via', NET.edge.v6);
  const out: BackendNet[] = [];
  for (let k = 1; k <= backendCount; k++) {
    const b = backendNet(k);
    const [bV4, rV4] = [`192.0.2.${64 + k * 4 + 2}`, `192.0.2.${64 + k * 4 + 1}`];
    await veth({ ns: b.ns, ifname: 'b0', addresses: [`${b.sid}/64`, `${bV4}/30`] }, { ns: r, ifname: `rb${k}`, addresses: [`fd00:afd:b${k}::1/64`, `${rV4}/30`] });
    await defaultRoutes(b.ns, { v4: rV4, v6: `fd00:afd:b${k}::1` });
    await sysctl(b.ns, { 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.b0.rp_filter': '0', 'net.ipv4.conf.lo.rp_filter': '0' });
    for (const a of anycast) inNs(b.ns, 'ip', ...(a.includes(':') ? ['-6', 'addr', 'add', `${a}/128`, 'dev', 'lo', 'nodad'] : ['-4', 'addr', 'add', `${a}/32`, 'dev', 'lo']));
    await addDecap(b);
    out.push(b);
  }
  return out;
}

/** SRv6 decapsulation on/off: without seg6_enabled the backend drops every packet with an SRH. */
export function addDecap(b: BackendNet): Promise<void> {
  return sysctl(b.ns, { 'net.ipv6.conf.all.seg6_enabled': '1', 'net.ipv6.conf.b0.seg6_enabled': '1' });
}
export function removeDecap(b: BackendNet): Promise<void> {
  return sysctl(b.ns, { 'net.ipv6.conf.all.seg6_enabled': '0', 'net.ipv6.conf.b0.seg6_enabled': '0' });
}

/** HTTP ("backend=<name> client=<ip>") and a line echo on each address of the backend; resolves once listening. */
export function startEchoBackend(b: BackendNet, addrs: string[], httpPort: number, echoPort: number): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', b.ns, process.execPath, join(PROCS_DIR, 'echo-backend-server.js'), b.name, addrs.join(','), String(httpPort), String(echoPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`backend server ${b.name} exited ${code}`)));
    child.stdout.once('data', () => resolve(child));
  });
}

/** A long-lived TCP connection from a namespace: write lines to stdin, read the answers from stdout. */
export function startLineClient(ns: string, host: string, port: number): ChildProcessByStdio<Writable, Readable, null> {
  return spawn('ip', ['netns', 'exec', ns, process.execPath, join(PROCS_DIR, 'line-client.js'), host, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
}
