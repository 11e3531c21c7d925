/**
 * The lab's addressing plan (pure data). Everything comes from documentation / unique-local ranges:
 * clients and transit links from 198.51.100.0/24 and 203.0.113.0/24 (plus fd00:0::/48 for IPv6),
 * anycast pools from 192.0.2.0/24 and fd00:a0::/48, tunnel underlay (edge <-> backend) over fd00:0::/48.
 *
 *   af-client1 --\                 /-- af-edge1 (agent + BIRD, AS 65100)
 *   af-client2 ---- af-router (BIRD, AS 65000, ECMP)
 *                   |  |  |        \-- af-edge2 (agent + BIRD, AS 65100)
 *              af-be1 af-be2 af-be3  (kit: SRv6 decap, anycast on lo, DSR replies via the router)
 */
/** Namespace name prefix; ANYFRONT_LAB_NS_PREFIX lets a second lab (e.g. a developer's `afe-`) run beside the test lab. */
export const NS_PREFIX = process.env.ANYFRONT_LAB_NS_PREFIX ?? 'af-';
export const ROUTER_NS = `${NS_PREFIX}router`;
export const ROUTER_AS = 65000;
export const EDGE_AS = 65100;
export const ROUTER_ID = '198.51.100.1';

export interface Link {
  /** interface name on the router side */ routerIf: string;
  /** interface name on the far side */ peerIf: string;
  routerV4: string; peerV4: string; prefixLenV4: number;
  routerV6: string; peerV6: string;
}
export interface Client { name: string; ns: string; link: Link }
export interface Edge { name: string; ns: string; link: Link; nodeId: string; pop: string }
/** verifyToken: the lab's fixed kit token for the file-fed lab's desired states (the control-plane lab uses the API's). */
export interface Backend { name: string; ns: string; link: Link; id: string; verifyToken: string }

function link(routerIf: string, routerV4: string, peerV4: string, prefixLenV4: number, v6net: string): Link {
  return { routerIf, peerIf: 'up0', routerV4, peerV4, prefixLenV4, routerV6: `${v6net}::1`, peerV6: `${v6net}::2` };
}

export const clients: Client[] = [
  { name: 'client1', ns: `${NS_PREFIX}client1`, link: link('c1', '198.51.100.1', '198.51.100.10', 26, 'fd00:0:c1') },
  { name: 'client2', ns: `${NS_PREFIX}client2`, link: link('c2', '203.0.113.1', '203.0.113.10', 26, 'fd00:0:c2') },
];

export const edges: Edge[] = [
  { name: 'edge1', ns: `${NS_PREFIX}edge1`, nodeId: 'lab-edge1', pop: 'lab1', link: link('e1', '198.51.100.65', '198.51.100.66', 30, 'fd00:0:e1') },
  { name: 'edge2', ns: `${NS_PREFIX}edge2`, nodeId: 'lab-edge2', pop: 'lab2', link: link('e2', '198.51.100.69', '198.51.100.70', 30, 'fd00:0:e2') },
];

export const backends: Backend[] = [
  { name: 'be1', id: 'be1', verifyToken: `afv_${'b1'.repeat(32)}`, ns: `${NS_PREFIX}be1`, link: link('b1', '203.0.113.65', '203.0.113.66', 30, 'fd00:0:b1') },
  { name: 'be2', id: 'be2', verifyToken: `afv_${'b2'.repeat(32)}`, ns: `${NS_PREFIX}be2`, link: link('b2', '203.0.113.69', '203.0.113.70', 30, 'fd00:0:b2') },
  { name: 'be3', id: 'be3', verifyToken: `afv_${'b3'.repeat(32)}`, ns: `${NS_PREFIX}be3`, link: link('b3', '203.0.113.73', '203.0.113.74', 30, 'fd00:0:b3') },
];

/** Anycast pools the edges announce and the addresses of the one lab service. */
export const pools: { id: string; prefix: string; family: 4 | 6 }[] = [
  { id: 'lab-v4-a', prefix: '192.0.2.0/25', family: 4 },
  { id: 'lab-v4-b', prefix: '192.0.2.128/25', family: 4 },
  { id: 'lab-v6', prefix: 'fd00:a0::/48', family: 6 },
];
export const SERVICE_ID = 'lab-web';
export const anycastV4 = ['192.0.2.10', '192.0.2.140'];
export const anycastV6 = ['fd00:a0::10'];
export const anycastAll = [...anycastV4, ...anycastV6];
/** URL host form of an address (IPv6 in brackets). */
export const urlHost = (a: string): string => (a.includes(':') ? `[${a}]` : a);
export const SERVICE_PORT = 80;
/** A port with no listener on the anycast addresses (test f). */
export const UNCONFIGURED_PORT = 8080;
export const FLEET_SEED = 0x5eed1234;

export function allNamespaces(): string[] {
  return [ROUTER_NS, ...clients.map((c) => c.ns), ...edges.map((e) => e.ns), ...backends.map((b) => b.ns)];
}
