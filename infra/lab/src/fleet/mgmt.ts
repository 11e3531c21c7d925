import { run } from '../exec';
import { sysctl } from '../netns';
import { Edge, edges, NS_PREFIX } from '../topology';

/**
 * Management links: the API and worker run in the root namespace, the agents inside edge
 * namespaces. Each edge gets a veth pair to the root namespace on its own /30 from
 * 203.0.113.128/25 (a documentation range the lab links do not use; the root namespace of this
 * machine already holds 192.0.2.0/24 and fd00::/64). The agent reaches the API at the root side
 * address (the API listens on every address), and the worker pushes to the agent at the edge side
 * address. Nothing is routed: only the two ends of each /30 talk, so lab traffic never leaks into
 * the root namespace. ANYFRONT_LAB_MGMT_BASE moves the block (fourth octet of the first /30) so a
 * second lab (another NS prefix) can run beside it.
 */
export interface MgmtLink {
  /** interface in the root namespace (unique per lab prefix) */ rootIf: string;
  /** interface in the edge namespace */ edgeIf: string;
  rootV4: string;
  edgeV4: string;
}

export const MGMT_EDGE_IF = 'mgmt0';

export function mgmtBase(env: NodeJS.ProcessEnv = process.env): number {
  const base = Number(env.ANYFRONT_LAB_MGMT_BASE ?? 128);
  if (!Number.isInteger(base) || base < 128 || base % 4 !== 0 || base + 4 * edges.length > 256) {
    throw new Error(`ANYFRONT_LAB_MGMT_BASE must be a multiple of 4 in 128..${256 - 4 * edges.length}, got ${String(env.ANYFRONT_LAB_MGMT_BASE)}`);
  }
  return base;
}

/** The management link of the i-th edge (pure). */
export function mgmtLink(edge: Edge, index: number, base = mgmtBase(), prefix = NS_PREFIX): MgmtLink {
  const net = base + 4 * index;
  // Root-side names must be unique in the root namespace and at most 15 characters.
  const rootIf = `${prefix}m${edge.name}`.slice(0, 15);
  return { rootIf, edgeIf: MGMT_EDGE_IF, rootV4: `203.0.113.${net + 1}`, edgeV4: `203.0.113.${net + 2}` };
}

export function mgmtLinks(): Map<string, MgmtLink> {
  const base = mgmtBase();
  return new Map(edges.map((e, i) => [e.name, mgmtLink(e, i, base)]));
}

/** Creates the veth pair root <-> edge namespace. Deleting the edge namespace removes both ends. */
export async function connectToRoot(edge: Edge, l: MgmtLink): Promise<void> {
  await run('ip', ['link', 'del', l.rootIf], { allowFail: true }); // stale end of a lab that was not torn down
  await run('ip', ['link', 'add', l.rootIf, 'type', 'veth', 'peer', 'name', l.edgeIf, 'netns', edge.ns]);
  await run('ip', ['addr', 'add', `${l.rootV4}/30`, 'dev', l.rootIf]);
  await run('ip', ['link', 'set', l.rootIf, 'up']);
  await run('ip', ['-n', edge.ns, 'addr', 'add', `${l.edgeV4}/30`, 'dev', l.edgeIf]);
  await run('ip', ['-n', edge.ns, 'link', 'set', l.edgeIf, 'up']);
  await sysctl(edge.ns, { [`net.ipv4.conf.${l.edgeIf}.rp_filter`]: '0' });
}

export async function removeRootLinks(): Promise<void> {
  for (const l of mgmtLinks().values()) await run('ip', ['link', 'del', l.rootIf], { allowFail: true });
}
