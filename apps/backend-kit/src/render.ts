import { familyOf, type BackendKitOptions } from './options';

/** nft table owned by the kit; `down` deletes it whole. */
export const NFT_TABLE = 'anyfront_backend';
/** Tunnel devices the kit may create (names <= 15 characters). */
export const KIT_DEVICES = ['anyfront-ipip', 'anyfront-sit', 'anyfront-ip6tnl', 'anyfront-gue', 'anyfront-gues', 'anyfront-gue6'] as const;

export interface SysctlSetting {
  /** sysctl(8) key; a dot inside a device name is written as '/'. */
  key: string;
  value: string;
}

export interface BackendKitPlan {
  /** Applied first; `down` restores the values found before `up`. */
  sysctls: SysctlSetting[];
  /** iproute2 commands in order (argv form, no shell). */
  commands: string[][];
  /** Anycast prefixes added to lo (also in `commands`); the executor skips ones already present. */
  loAddresses: string[];
  /** nft file applied atomically with `nft -f -`; replaces the kit's table whole. */
  nft: string;
  /** Undo commands in order; each may fail with "does not exist" on a clean host. */
  undo: string[][];
  /** nft file that removes the kit's table, whether or not it exists. */
  nftUndo: string;
}

function sysctlKey(...parts: string[]): string {
  return parts.map((p) => p.replace(/\./g, '/')).join('.');
}

function hostPrefix(address: string): string {
  return `${address}/${familyOf(address) === 4 ? 32 : 128}`;
}

function tunnelCommands(o: BackendKitOptions): { up: string[][]; undo: string[][] } {
  const up: string[][] = [];
  const undo: string[][] = [];
  const hasV4 = o.anycast.some((a) => familyOf(a) === 4);
  const hasV6 = o.anycast.some((a) => familyOf(a) === 6);
  const link = (name: string, ...spec: string[]) => {
    up.push(['ip', 'link', 'add', 'name', name, 'type', ...spec], ['ip', 'link', 'set', 'dev', name, 'up']);
    undo.unshift(['ip', 'link', 'del', 'dev', name]);
  };
  const local = o.backendAddress;
  switch (o.encap) {
    case 'srv6':
      // Packets to the backend address itself are decapsulated by the kernel's SRH input (segments
      // left 0, next header IPv4/IPv6) for both families; extra SIDs get explicit seg6local routes.
      // nh4 0.0.0.0 routes by the inner destination, so one SID serves every IPv4 anycast address.
      // End.DX6 refuses local delivery, so IPv6 uses End.DT6 on the local table (255).
      if (o.sid4) {
        up.push(['ip', '-6', 'route', 'add', `${o.sid4}/128`, 'encap', 'seg6local', 'action', 'End.DX4', 'nh4', '0.0.0.0', 'dev', o.dev]);
        undo.unshift(['ip', '-6', 'route', 'del', `${o.sid4}/128`, 'dev', o.dev]);
      }
      if (o.sid6) {
        up.push(['ip', '-6', 'route', 'add', `${o.sid6}/128`, 'encap', 'seg6local', 'action', 'End.DT6', 'table', '255', 'dev', o.dev]);
        undo.unshift(['ip', '-6', 'route', 'del', `${o.sid6}/128`, 'dev', o.dev]);
      }
      break;
    case 'ipip':
      if (hasV4) link('anyfront-ipip', 'ipip', 'local', local, 'remote', 'any');
      if (hasV6) link('anyfront-sit', 'sit', 'local', local, 'remote', 'any');
      break;
    case 'ip6ip6':
      // mode any: one device receives IPv4-in-IPv6 and IPv6-in-IPv6.
      link('anyfront-ip6tnl', 'ip6tnl', 'mode', 'any', 'local', local, 'remote', '::');
      break;
    case 'gue': {
      const port = String(o.guePort);
      const encap = ['encap', 'gue', 'encap-sport', 'auto', 'encap-dport', port];
      if (familyOf(local) === 4) {
        up.push(['ip', 'fou', 'add', 'port', port, 'gue']);
        undo.unshift(['ip', 'fou', 'del', 'port', port]);
        if (hasV4) link('anyfront-gue', 'ipip', 'local', local, 'remote', 'any', ...encap);
        if (hasV6) link('anyfront-gues', 'sit', 'local', local, 'remote', 'any', ...encap);
      } else {
        up.push(['ip', 'fou', 'add', 'port', port, 'gue', '-6']);
        undo.unshift(['ip', 'fou', 'del', 'port', port, '-6']);
        link('anyfront-gue6', 'ip6tnl', 'mode', 'any', 'local', local, 'remote', '::', ...encap);
      }
      break;
    }
  }
  return { up, undo };
}

function renderNft(o: BackendKitOptions): string {
  const v4 = o.anycast.filter((a) => familyOf(a) === 4);
  const v6 = o.anycast.filter((a) => familyOf(a) === 6);
  const lines = [
    '# Written by the Anyfront backend kit; replaced whole on every `up`, deleted by `down`.',
    `table inet ${NFT_TABLE} {}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
  ];
  if (v4.length) lines.push('\tcounter mss_clamp_ipv4 {', '\t}');
  if (v6.length) lines.push('\tcounter mss_clamp_ipv6 {', '\t}');
  lines.push(
    '\t# Clamp the MSS our SYN-ACKs advertise so client segments still fit the tunnel (only ever lower it).',
    '\tchain output {',
    '\t\ttype filter hook output priority mangle; policy accept;',
  );
  const rule = (match: string, addrs: string[], mss: number, counter: string) =>
    `\t\t${match} { ${addrs.join(', ')} } tcp flags & (syn | ack) == syn | ack tcp option maxseg size > ${mss} tcp option maxseg size set ${mss} counter name "${counter}"`;
  if (v4.length) lines.push(rule('ip saddr', v4, o.mss4, 'mss_clamp_ipv4'));
  if (v6.length) lines.push(rule('ip6 saddr', v6, o.mss6, 'mss_clamp_ipv6'));
  lines.push('\t}', '}', '');
  return lines.join('\n');
}

export const NFT_UNDO = `table inet ${NFT_TABLE} {}\ndelete table inet ${NFT_TABLE}\n`;

/** Everything `up` does and `down` undoes for these options. Pure: no I/O. */
export function renderBackendKit(o: BackendKitOptions): BackendKitPlan {
  const sysctls: SysctlSetting[] = [];
  if (o.anycast.some((a) => familyOf(a) === 4)) {
    // Loose reverse-path filtering: the client's address is not routed via the tunnel device.
    // The effective value is max(all, device), so all=2 alone already makes every device loose.
    for (const dev of ['all', o.dev, 'lo']) sysctls.push({ key: sysctlKey('net', 'ipv4', 'conf', dev, 'rp_filter'), value: '2' });
  }
  if (o.encap === 'srv6') {
    // SRH processing must be on for "all" and for the receiving device (the kernel takes the minimum).
    for (const dev of ['all', o.dev]) sysctls.push({ key: sysctlKey('net', 'ipv6', 'conf', dev, 'seg6_enabled'), value: '1' });
  }

  const loAddresses = o.anycast.map(hostPrefix);
  const tunnel = tunnelCommands(o);
  const commands = [...loAddresses.map((p) => ['ip', 'addr', 'add', p, 'dev', 'lo']), ...tunnel.up];
  const undo = [...tunnel.undo, ...loAddresses.map((p) => ['ip', 'addr', 'del', p, 'dev', 'lo'])];
  return { sysctls, commands, loAddresses, nft: renderNft(o), undo, nftUndo: NFT_UNDO };
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_.,:/=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The plan as a shell script a human can read or run (what `render` prints). */
export function planToShell(plan: BackendKitPlan, direction: 'up' | 'down' = 'up'): string {
  const out = ['#!/bin/sh', 'set -e'];
  if (direction === 'up') {
    for (const s of plan.sysctls) out.push(`sysctl -w ${shellWord(`${s.key}=${s.value}`)}`);
    for (const c of plan.commands) out.push(c.map(shellWord).join(' '));
    out.push("nft -f - <<'NFT'", plan.nft.trimEnd(), 'NFT');
  } else {
    out[1] = '# down: every step may report "does not exist" on a clean host; sysctls are restored from the state file';
    out.push("nft -f - <<'NFT'", plan.nftUndo.trimEnd(), 'NFT');
    for (const c of plan.undo) out.push(`${c.map(shellWord).join(' ')} || true`);
  }
  return out.join('\n') + '\n';
}
