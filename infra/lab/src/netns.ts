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

/** A veth pair router <-> peer with IPv4 and IPv6 on both ends; the peer's default routes point at the router. */
export async function connectToRouter(peerNs: string, l: Link): Promise<void> {
  await run('ip', ['link', 'add', l.routerIf, 'netns', ROUTER_NS, 'type', 'veth', 'peer', 'name', l.peerIf, 'netns', peerNs]);
  for (const [ns, ifname, v4, v6] of [[ROUTER_NS, l.routerIf, l.routerV4, l.routerV6], [peerNs, l.peerIf, l.peerV4, l.peerV6]]) {
    await run('ip', ['-n', ns, 'addr', 'add', `${v4}/${l.prefixLenV4}`, 'dev', ifname]);
    await run('ip', ['-n', ns, '-6', 'addr', 'add', `${v6}/64`, 'dev', ifname, 'nodad']);
    await run('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
  }
  await run('ip', ['-n', peerNs, 'route', 'add', 'default', 'via', l.routerV4]);
  await run('ip', ['-n', peerNs, '-6', 'route', 'add', 'default', 'via', l.routerV6]);
}

export interface LinkCounters { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number }

export async function linkCounters(ns: string, ifname: string): Promise<LinkCounters> {
  const { stdout } = await run('ip', ['-n', ns, '-j', '-s', 'link', 'show', 'dev', ifname]);
  const s = (JSON.parse(stdout) as { stats64: { rx: { bytes: number; packets: number }; tx: { bytes: number; packets: number } } }[])[0].stats64;
  return { rxBytes: s.rx.bytes, txBytes: s.tx.bytes, rxPackets: s.rx.packets, txPackets: s.tx.packets };
}
