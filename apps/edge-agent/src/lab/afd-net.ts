import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/**
 * The agent's own small lab: network namespaces (prefix `afd-`) for a client, a router, one edge
 * (where the real agent runs) and backends that decapsulate SRv6 by hand and serve HTTP on the
 * anycast addresses. Addresses only from 192.0.2.0/24, 203.0.113.0/24, 198.51.100.0/24, fd00::/8.
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

export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}
export const inNs = (ns: string, ...args: string[]) => sh('ip', ['netns', 'exec', ns, ...args]);
const ipNs = (ns: string, ...args: string[]) => sh('ip', ['-n', ns, ...args]);
const sysctl = (ns: string, ...kv: string[]) => inNs(ns, 'sysctl', '-qw', ...kv);

export function namespaces(backends: number): string[] {
  return [NET.client.ns, NET.router.ns, NET.edge.ns, ...Array.from({ length: backends }, (_, i) => backendNet(i + 1).ns)];
}

export function destroyNet(backends = 4): void {
  for (const ns of namespaces(backends)) {
    try { sh('ip', ['netns', 'del', ns]); } catch { /* not there */ }
  }
}

function veth(nsA: string, a: string, nsB: string, b: string): void {
  sh('ip', ['link', 'add', a, 'netns', nsA, 'type', 'veth', 'peer', 'name', b, 'netns', nsB]);
  ipNs(nsA, 'link', 'set', a, 'up');
  ipNs(nsB, 'link', 'set', b, 'up');
}

/**
 * Builds client - router - edge, router - backend k. A backend decapsulates SRv6 whose last segment
 * is its own address (kernel SRH input, both inner families; needs seg6_enabled) and holds the
 * anycast addresses on lo.
 */
export function createNet(backendCount: number, anycast: string[]): BackendNet[] {
  destroyNet(backendCount);
  for (const ns of namespaces(backendCount)) {
    sh('ip', ['netns', 'add', ns]);
    ipNs(ns, 'link', 'set', 'lo', 'up');
  }
  const r = NET.router.ns;
  sysctl(r, 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1');
  // client <-> router
  veth(NET.client.ns, 'c0', r, 'rc');
  ipNs(NET.client.ns, 'addr', 'add', `${NET.client.v4}/26`, 'dev', 'c0');
  ipNs(NET.client.ns, '-6', 'addr', 'add', `${NET.client.v6}/64`, 'dev', 'c0', 'nodad');
  ipNs(r, 'addr', 'add', '203.0.113.1/26', 'dev', 'rc');
  ipNs(r, '-6', 'addr', 'add', 'fd00:afd:c::1/64', 'dev', 'rc', 'nodad');
  ipNs(NET.client.ns, 'route', 'add', 'default', 'via', '203.0.113.1');
  ipNs(NET.client.ns, '-6', 'route', 'add', 'default', 'via', 'fd00:afd:c::1');
  // edge <-> router
  veth(NET.edge.ns, NET.edge.uplink, r, 're');
  ipNs(NET.edge.ns, 'addr', 'add', `${NET.edge.v4}/26`, 'dev', NET.edge.uplink);
  ipNs(NET.edge.ns, '-6', 'addr', 'add', `${NET.edge.v6}/64`, 'dev', NET.edge.uplink, 'nodad');
  ipNs(r, 'addr', 'add', '192.0.2.1/26', 'dev', 're');
  ipNs(r, '-6', 'addr', 'add', 'fd00:afd:e::1/64', 'dev', 're', 'nodad');
  ipNs(NET.edge.ns, 'route', 'add', 'default', 'via', '192.0.2.1');
  ipNs(NET.edge.ns, '-6', 'route', 'add', 'default', 'via', 'fd00:afd:e::1');
  sysctl(NET.edge.ns, 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0');
  // The router sends the anycast pool to the edge (BGP's job in infra/lab; static here).
  ipNs(r, 'route', 'add', NET.anycastPrefix, 'via', NET.edge.v4);
  ipNs(r, '-6', 'route', 'add', NET.anycastPrefix6, 'via', NET.edge.v6);
  const out: BackendNet[] = [];
  for (let k = 1; k <= backendCount; k++) {
    const b = backendNet(k);
    veth(b.ns, 'b0', r, `rb${k}`);
    ipNs(b.ns, '-6', 'addr', 'add', `${b.sid}/64`, 'dev', 'b0', 'nodad');
    ipNs(b.ns, 'addr', 'add', `192.0.2.${64 + k * 4 + 2}/30`, 'dev', 'b0');
    ipNs(r, '-6', 'addr', 'add', `fd00:afd:b${k}::1/64`, 'dev', `rb${k}`, 'nodad');
    ipNs(r, 'addr', 'add', `192.0.2.${64 + k * 4 + 1}/30`, 'dev', `rb${k}`);
    ipNs(b.ns, 'route', 'add', 'default', 'via', `192.0.2.${64 + k * 4 + 1}`);
    ipNs(b.ns, '-6', 'route', 'add', 'default', 'via', `fd00:afd:b${k}::1`);
    sysctl(b.ns, 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.b0.rp_filter=0', 'net.ipv4.conf.lo.rp_filter=0');
    for (const a of anycast) ipNs(b.ns, a.includes(':') ? '-6' : '-4', 'addr', 'add', `${a}/${a.includes(':') ? 128 : 32}`, 'dev', 'lo', ...(a.includes(':') ? ['nodad'] : []));
    addDecap(b);
    out.push(b);
  }
  return out;
}

/** SRv6 decapsulation on/off: without seg6_enabled the backend drops every packet with an SRH. */
export function addDecap(b: BackendNet): void {
  sysctl(b.ns, 'net.ipv6.conf.all.seg6_enabled=1', 'net.ipv6.conf.b0.seg6_enabled=1');
}
export function removeDecap(b: BackendNet): void {
  sysctl(b.ns, 'net.ipv6.conf.all.seg6_enabled=0', 'net.ipv6.conf.b0.seg6_enabled=0');
}

export function startBackendServer(b: BackendNet, addrs: string[], httpPort: number, echoPort: number): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', b.ns, process.execPath, join(__dirname, 'backend-server.js'), b.name, addrs.join(','), String(httpPort), String(echoPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`backend server ${b.name} exited ${code}`)));
    child.stdout!.once('data', () => resolve(child));
  });
}
