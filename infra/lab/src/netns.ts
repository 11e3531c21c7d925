import { run, nsRun } from './exec';
import { Link, ROUTER_NS } from './topology';

export async function listNamespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['-j', 'netns', 'list'], { allowFail: true });
  if (!stdout.trim()) return [];
  return (JSON.parse(stdout) as { name: string }[]).map((n) => n.name);
}

export async function createNamespace(ns: string): Promise<void> {
  await run('ip', ['netns', 'add', ns]);
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  // Addresses must be usable at once (no IPv6 duplicate address detection wait).
  await sysctl(ns, { 'net.ipv6.conf.all.accept_dad': '0', 'net.ipv6.conf.default.accept_dad': '0' });
}

export async function deleteNamespace(ns: string): Promise<void> {
  await run('ip', ['netns', 'del', ns], { allowFail: true });
}

export async function sysctl(ns: string, values: Record<string, string>): Promise<void> {
  const args = Object.entries(values).map(([k, v]) => `${k}=${v}`);
  await nsRun(ns, 'sysctl', ['-q', '-w', ...args]);
}

/** One end of a veth pair: its namespace, interface name and addresses with prefix length (e.g. 192.0.2.1/26, fd00::1/64). */
export interface VethEnd { ns: string; ifname: string; addresses?: string[] }

/** A veth pair between two namespaces, both ends up, with their addresses (IPv6 without duplicate address detection). */
export async function veth(a: VethEnd, b: VethEnd): Promise<void> {
  await run('ip', ['link', 'add', a.ifname, 'netns', a.ns, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.ns]);
  for (const end of [a, b]) {
    for (const addr of end.addresses ?? []) {
      await run('ip', ['-n', end.ns, ...(addr.includes(':') ? ['-6', 'addr', 'add', addr, 'dev', end.ifname, 'nodad'] : ['addr', 'add', addr, 'dev', end.ifname])]);
    }
    await run('ip', ['-n', end.ns, 'link', 'set', end.ifname, 'up']);
  }
}

/** Default routes (IPv4 and/or IPv6) of a namespace. */
export async function defaultRoutes(ns: string, via: { v4?: string; v6?: string }): Promise<void> {
  if (via.v4) await run('ip', ['-n', ns, 'route', 'add', 'default', 'via', via.v4]);
  if (via.v6) await run('ip', ['-n', ns, '-6', 'route', 'add', 'default', 'via', via.v6]);
}

/** A veth pair router <-> peer with IPv4 and IPv6 on both ends; the peer's default routes point at the router. */
export async function connectToRouter(peerNs: string, l: Link): Promise<void> {
  await veth(
    { ns: ROUTER_NS, ifname: l.routerIf, addresses: [`${l.routerV4}/${l.prefixLenV4}`, `${l.routerV6}/64`] },
    { ns: peerNs, ifname: l.peerIf, addresses: [`${l.peerV4}/${l.prefixLenV4}`, `${l.peerV6}/64`] },
  );
  await defaultRoutes(peerNs, { v4: l.routerV4, v6: l.routerV6 });
}

export interface LinkCounters { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number }

export async function linkCounters(ns: string, ifname: string): Promise<LinkCounters> {
  const { stdout } = await run('ip', ['-n', ns, '-j', '-s', 'link', 'show', 'dev', ifname]);
  const link = (JSON.parse(stdout) as { stats64: { rx: { bytes: number; packets: number }; tx: { bytes: number; packets: number } } }[])[0];
  if (!link) throw new Error(`no link ${ifname} in ${ns}`);
  const s = link.stats64;
  return { rxBytes: s.rx.bytes, txBytes: s.tx.bytes, rxPackets: s.rx.packets, txPackets: s.tx.packets };
}
