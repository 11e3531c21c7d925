import type { Encapsulation } from '@anyfront/contracts';
import { DataplanePlan } from './plan';
import { outerFamilyNeeded, TunnelSources } from './validate';
import type { GuardInventory } from './guards';

/**
 * Policy routing: `ip rule fwmark <m> table <m>` plus one table per backend whose default route
 * carries the encapsulation. Outer source is always the edge's own address:
 *  - srv6: `encap seg6 mode encap segs <backend v6> dev <uplink>`, source from `ip sr tunsrc set`;
 *  - ipip: a device per backend, `type ipip` (inner IPv4 only) or `type sit mode any` (inner IPv6
 *    too), `local <edge v4> remote <backend v4>`;
 *  - ip6ip6: `type ip6tnl mode any local <edge v6> remote <backend v6>` (inner IPv4 or IPv6);
 *  - gue: the ipip/sit/ip6tnl device of the backend's family with `encap gue encap-sport auto
 *    encap-dport <gue_port>` (the backend runs `ip fou add port <gue_port> gue`).
 * The table number equals the mark, so a stale rule or route is recognisable by its number alone.
 */
export interface RuleSpec {
  family: 4 | 6;
  mark: number;
  table: number;
  priority: number;
}

export interface LinkSpec {
  name: string;
  /** Arguments after `ip link add <name>`. */
  args: string;
  kind: 'ipip' | 'sit' | 'ip6tnl';
  local: string;
  remote: string;
}

export interface RouteSpec {
  family: 4 | 6;
  table: number;
  /** `default`, or the /128 of a `throw` route. */
  dst: string;
  /** Arguments after `ip -<family> route replace`. */
  args: string;
  dev?: string;
  /** For comparison with `ip -j route`: seg6 segments, if any. */
  segs?: string[];
  type?: 'throw';
}

export interface RoutingPlan {
  rules: RuleSpec[];
  links: LinkSpec[];
  routes: RouteSpec[];
  /** `ip sr tunsrc set` value when any service uses SRv6. */
  srTunsrc?: string;
}

export interface RoutingOptions {
  uplink: string;
  rulePriority: number;
  devicePrefix: string;
  sources: TunnelSources;
}

export function buildRouting(plan: DataplanePlan, opts: RoutingOptions): RoutingPlan {
  const rules: RuleSpec[] = [];
  const links: LinkSpec[] = [];
  const routes: RouteSpec[] = [];
  let usesSrv6 = false;
  for (const svc of plan.services) {
    const inner = [...new Set(svc.addresses.map((a) => a.family))].sort();
    for (const b of svc.backends) {
      for (const fam of inner) rules.push({ family: fam, mark: b.mark, table: b.mark, priority: opts.rulePriority });
      if (svc.encapsulation === 'srv6') {
        usesSrv6 = true;
        for (const fam of inner) {
          routes.push({ family: fam, table: b.mark, dst: 'default', dev: opts.uplink, segs: [b.address], args: `default encap seg6 mode encap segs ${b.address} dev ${opts.uplink} table ${b.mark}` });
        }
        // The outer IPv6 packet keeps the mark: without this its lookup would hit the same table and
        // encapsulate again. `throw` sends the lookup on to the next rules (main table).
        if (inner.includes(6)) routes.push({ family: 6, table: b.mark, dst: `${b.address}/128`, type: 'throw', args: `throw ${b.address}/128 table ${b.mark}` });
        continue;
      }
      const link = tunnelLink(svc.encapsulation, b.address, b.family, inner, svc.guePort, `${opts.devicePrefix}${b.mark - plan.markBase}`, opts.sources);
      links.push(link);
      for (const fam of inner) routes.push({ family: fam, table: b.mark, dst: 'default', dev: link.name, args: `default dev ${link.name} table ${b.mark}` });
    }
  }
  return { rules, links, routes, srTunsrc: usesSrv6 ? opts.sources.ipv6 : undefined };
}

function tunnelLink(encap: Exclude<Encapsulation, 'srv6'>, remote: string, family: 4 | 6, inner: (4 | 6)[], guePort: number | undefined, name: string, sources: TunnelSources): LinkSpec {
  const outer = outerFamilyNeeded(encap, family);
  if (outer === null) throw new Error(`${encap} cannot reach backend ${remote}`);
  const local = outer === 4 ? sources.ipv4 : sources.ipv6;
  if (!local) throw new Error(`no IPv${outer} tunnel source for backend ${remote}`);
  const kind: LinkSpec['kind'] = outer === 6 ? 'ip6tnl' : inner.includes(6) ? 'sit' : 'ipip';
  const mode = kind === 'ipip' ? 'mode ipip' : 'mode any';
  const gue = encap === 'gue' ? ` encap gue encap-sport auto encap-dport ${guePort}` : '';
  return { name, kind, local, remote, args: `type ${kind} ${mode} local ${local} remote ${remote} ttl 64${gue}` };
}

/** What the kernel currently has in our range, read with `ip -j` (see the agent's routes client). */
export interface RoutingInventory {
  rules: RuleSpec[];
  routes: { family: 4 | 6; table: number; dst: string; type?: string; dev?: string; encap?: string; segs?: string[] }[];
  links: { name: string; kind?: string; local?: string; remote?: string }[];
  srTunsrc?: string;
  /** Loop guards of ours (see guards.ts); absent = none. */
  guards?: GuardInventory;
}

/**
 * `ip -batch` input per stage; v4/v6 lines run with `ip -4 -batch` / `ip -6 -batch` (batch lines
 * take no -4/-6). The agent runs pre, v4, v6 before the nft transaction (a new mark must have its
 * route before nft hands it out) and v4Del, v6Del, post after it (an old mark keeps its route until
 * nft stopped handing it out).
 */
export interface RoutingChange {
  /** `ip sr tunsrc`, tunnel device adds. */
  pre: string[];
  v4: string[];
  v6: string[];
  v4Del: string[];
  v6Del: string[];
  /** Tunnel device removals. */
  post: string[];
}

export function routingChangeIsEmpty(c: RoutingChange): boolean {
  return Object.values(c).every((l: string[]) => l.length === 0);
}

/**
 * What turns the inventory into the plan: only what differs.
 */
export function renderRoutingChange(want: RoutingPlan, have: RoutingInventory, opts: { devicePrefix: string }): RoutingChange {
  const change: RoutingChange = { pre: [], v4: [], v6: [], v4Del: [], v6Del: [], post: [] };
  const fam = (f: 4 | 6) => (f === 4 ? change.v4 : change.v6);
  const famDel = (f: 4 | 6) => (f === 4 ? change.v4Del : change.v6Del);
  const ruleKey = (r: RuleSpec) => `${r.family}|${r.mark}|${r.table}|${r.priority}`;
  const haveRules = new Set(have.rules.map(ruleKey));
  const wantRules = new Set(want.rules.map(ruleKey));
  const haveLinks = new Map(have.links.map((l) => [l.name, l]));
  const wantLinks = new Set(want.links.map((l) => l.name));

  if (want.srTunsrc && want.srTunsrc !== have.srTunsrc) change.pre.push(`sr tunsrc set ${want.srTunsrc}`);
  // A device that is deleted and added again takes its routes with it: they must be added again.
  const recreated = new Set<string>();
  for (const l of want.links) {
    const h = haveLinks.get(l.name);
    const same = h && h.kind === l.kind && h.local === l.local && h.remote === l.remote;
    if (h && !same) {
      change.pre.push(`link del ${l.name}`);
      recreated.add(l.name);
    }
    if (!same) change.pre.push(`link add ${l.name} ${l.args}`, `link set ${l.name} up`);
  }
  const routeKey = (r: { family: number; table: number; dst: string }) => `${r.family}|${r.table}|${r.dst}`;
  const haveRoutes = new Map(have.routes.map((r) => [routeKey(r), r]));
  const wantRouteKeys = new Set(want.routes.map(routeKey));
  for (const r of want.routes) {
    const h = haveRoutes.get(routeKey(r));
    const same = h && !(r.dev && recreated.has(r.dev)) && (r.type === 'throw' ? h.type === 'throw' : h.dev === r.dev && (r.segs ? h.encap === 'seg6' && (h.segs ?? []).join(',') === r.segs.join(',') : h.encap === undefined));
    if (!same) fam(r.family).push(`route replace ${r.args}`);
  }
  for (const r of want.rules) if (!haveRules.has(ruleKey(r))) fam(r.family).push(`rule add fwmark ${hexMark(r.mark)} table ${r.table} priority ${r.priority}`);
  for (const r of have.rules) if (!wantRules.has(ruleKey(r))) famDel(r.family).push(`rule del fwmark ${hexMark(r.mark)} table ${r.table} priority ${r.priority}`);
  for (const r of have.routes) if (!wantRouteKeys.has(routeKey(r))) famDel(r.family).push(`route del ${r.type === 'throw' ? 'throw ' : ''}${r.dst} table ${r.table}`);
  for (const l of have.links) if (l.name.startsWith(opts.devicePrefix) && !wantLinks.has(l.name)) change.post.push(`link del ${l.name}`);
  return change;
}

function hexMark(m: number): string {
  return `0x${m.toString(16)}`;
}
