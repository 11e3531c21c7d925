import type { KernelCapabilities } from '@anyfront/contracts';
import type { Executor } from './exec';

/** A device name no configuration uses (tunnel devices are `<prefix><k>` with a short prefix). */
const PROBE_DEVICE = 'afcapprobe0';

/**
 * Probes what this kernel can program, once at agent start. Tunnel types by creating (and at once
 * deleting) a device of each type, which also autoloads an available module; SRv6 and fou by their
 * generic-netlink families (`ip sr tunsrc show`, `ip fou show` fail when the kernel lacks them); the
 * nft features by `nft -c` (the kernel checks the ruleset, nothing is applied).
 */
export async function probeCapabilities(exec: Executor, ip = 'ip', nft = 'nft'): Promise<KernelCapabilities> {
  const ok = async (cmd: string, args: string[], input?: string) => (await exec.run(cmd, args, { input, timeoutMs: 10_000 }).catch(() => ({ code: 1 }))).code === 0;
  const device = async (args: string[]) => {
    await exec.run(ip, ['link', 'del', PROBE_DEVICE]).catch(() => undefined);
    const created = await ok(ip, ['link', 'add', PROBE_DEVICE, ...args]);
    if (created) await exec.run(ip, ['link', 'del', PROBE_DEVICE]).catch(() => undefined);
    return created;
  };
  return {
    seg6: await ok(ip, ['sr', 'tunsrc', 'show']),
    ipip: await device(['type', 'ipip', 'mode', 'ipip', 'local', '127.0.0.1', 'remote', '127.0.0.2']),
    sit: await device(['type', 'sit', 'mode', 'any', 'local', '127.0.0.1', 'remote', '127.0.0.2']),
    ip6tnl: await device(['type', 'ip6tnl', 'mode', 'any', 'local', '::1', 'remote', '::2']),
    fou: await ok(ip, ['fou', 'show']),
    nft: await ok(nft, ['-c', '-f', '-'], NFT_PROBE),
  };
}

/** The data plane's nft features in one checked (never applied) table: flow map with timeouts, numgen-typed map, jhash lookup. */
const NFT_PROBE = `table inet afcapprobe {
  map flows4 { typeof ip saddr . th sport . ip daddr . th dport : meta mark; flags dynamic,timeout; timeout 300s; size 1024; }
  map mg { typeof numgen inc mod 7 : meta mark; }
  chain c {
    type filter hook prerouting priority mangle; policy accept;
    meta l4proto { tcp, udp } meta mark set jhash ip saddr . th sport . ip daddr . th dport mod 7 seed 0x1 map @mg
    meta l4proto { tcp, udp } update @flows4 { ip saddr . th sport . ip daddr . th dport : meta mark }
  }
}
`;
