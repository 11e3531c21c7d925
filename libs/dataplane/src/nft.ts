import type { Listener } from '@anyfront/contracts';
import { AddressPlan, DataplanePlan, FLOOD_NEW_FLOWS_PER_SECOND, FLOW_HANDSHAKE_TIMEOUT_SECONDS, PROBE_UID_DEFAULT, probePorts, SERVICE_RULES_VERSION, ServicePlan } from './plan';
import { hex, names } from './names';

/**
 * nftables renderer. One table `inet <name>` owned by the agent:
 *
 *   prerouting (filter, mangle prio): ip daddr vmap @vip4 / ip6 daddr vmap @vip6 -> jump svc_<key>
 *   svc_<key>: per-address counter; IP fragments dropped (counter frag_drop); ICMP errors to the
 *              backend owning the embedded flow, echo requests hashed by client (icmpRules);
 *              listener filter (drop + per-address drop counter);
 *              flow map lookup (hit on a live backend: refresh, forward); Maglev lookup
 *              (jhash ... mod M seed S map @mg_<key>_<M>); a SYN forwards on the hash alone,
 *              any other packet creates its flow entry first (flow_new<F>);
 *              no usable backend -> TCP reset / ICMP port unreachable
 *   fwd_<key>: per-backend counter, accept
 *   flow_new4/6, flow_seen4/6, flow_syn: the flow table's policy, shared by every service (below)
 *   probe_out (route, output): health probes marked by source port so they take the backend's tunnel
 *
 * Flow table (Katran's LRU + is_under_flood, in nftables terms): a SYN never creates an entry, so a
 * SYN flood cannot fill the table; the first non-SYN packet creates one with the short handshake
 * timeout, the next packet of the flow refreshes it to `flowTimeoutSeconds`. So spoofed packets
 * that never complete a connection hold an entry for seconds, not minutes. The map's `size` bounds
 * it; nft sets have no LRU, so expiry is the eviction: an insert into a full map fails, the flow is
 * placed by the hash alone, and counter `flow_full` counts it. Above `floodNewFlowsPerSecond` new
 * entries are skipped (counter `flow_flood`) and SYNs above that rate are counted (`syn_flood`).
 *
 * Every change is one `nft -f` transaction rendered from (applied summary, next plan, kernel
 * inventory): services whose digest is unchanged are not touched; flow maps are never flushed.
 */
export interface NftInventory {
  tableExists: boolean;
  chains: ReadonlySet<string>;
  /** Sets and maps. */
  sets: ReadonlySet<string>;
  /**
   * Named counters, when known. nft 1.0.6 fetches every set element to list counters (0.6 s with
   * 256 services), so the agent leaves this out and the renderer derives the counters from the
   * applied summary instead; after a resync stale counters may then stay behind (harmless, unused).
   */
  counters?: ReadonlySet<string>;
}

export const EMPTY_INVENTORY: NftInventory = { tableExists: false, chains: new Set(), sets: new Set(), counters: new Set() };

/** What was last applied: enough to render the next change without reading the kernel's maps. */
export interface AppliedSummary {
  services: { id: string; key: string; digest: string; addresses: AddressPlan[] }[];
  marks: number[];
  /** Flow policy options in force (absent in summaries of older agents: rendered again). */
  flowPolicy?: string;
  /** What the probe_out rules were rendered from (probe uid, anycast addresses). */
  probeRules?: string;
}

export function summarize(plan: DataplanePlan): AppliedSummary {
  return {
    services: plan.services.map((s) => ({ id: s.id, key: s.key, digest: s.digest, addresses: s.addresses })),
    marks: plan.marks,
    flowPolicy: flowPolicyKey(plan),
    probeRules: probeRulesKey(plan),
  };
}

function flowPolicyKey(plan: DataplanePlan): string {
  const o = plan.options;
  // The rules version makes an older agent's table get the counters the service rules now use.
  return [o.flowTimeoutSeconds, o.flowHandshakeTimeoutSeconds ?? FLOW_HANDSHAKE_TIMEOUT_SECONDS, o.floodNewFlowsPerSecond ?? FLOOD_NEW_FLOWS_PER_SECOND, o.probeUid ?? PROBE_UID_DEFAULT, `r${SERVICE_RULES_VERSION}`].join('/');
}

export interface NftChange {
  script: string;
  /** Service ids whose objects were (re)written. */
  changed: string[];
  /** Service keys whose objects were removed. */
  removed: string[];
  /** True when nothing needs to change. */
  empty: boolean;
}

const GLOBAL_CHAINS = ['prerouting', 'probe_out', 'flow_new4', 'flow_new6', 'flow_seen4', 'flow_seen6', 'flow_syn'];
/** Counters of the flow table's policy (global, read by the agent's metrics). */
export const FLOW_COUNTERS = { full: 'flow_full', flood: 'flow_flood', syn: 'syn_flood' } as const;
/**
 * Counters of the ICMP and fragment rules (global, read by the agent's metrics): ICMP errors and
 * echo requests forwarded to a backend, ICMP to an anycast address dropped (other types, an error
 * whose embedded packet is not plain TCP/UDP, no usable backend), IP fragments dropped.
 */
export const PACKET_COUNTERS = { icmpForwarded: 'icmp_fwd', icmpDropped: 'icmp_drop', fragments: 'frag_drop' } as const;
const GLOBAL_COUNTERS = [...Object.values(FLOW_COUNTERS), ...Object.values(PACKET_COUNTERS)];
/**
 * Where an ICMP error's embedded packet (the backend's reply that did not get through: anycast
 * address -> client) sits, as nft raw payload expressions from the ICMP header (`@th`, bit offset,
 * bit length): after the 8-byte ICMP header, an IPv4 header without options (Katran drops other
 * lengths too) or an IPv6 header without extension headers, then the ports.
 */
export const ICMP_EMBEDDED = {
  4: { versionIhl: '@th,64,8', protocol: '@th,136,8', saddr: '@th,160,32', daddr: '@th,192,32', sport: '@th,224,16', dport: '@th,240,16' },
  6: { version: '@th,64,4', protocol: '@th,112,8', saddr: '@th,128,128', daddr: '@th,256,128', sport: '@th,384,16', dport: '@th,400,16' },
} as const;
const GLOBAL_SETS = ['flows4', 'flows6', 'vip4', 'vip6', 'probe_ports'];

function serviceObjectsPresent(svc: ServicePlan, inv: NftInventory): boolean {
  return [names.svcChain(svc.key), names.fwdChain(svc.key)].every((c) => inv.chains.has(c))
    && [names.maglevMap(svc.key, svc.m), names.liveSet(svc.key), names.udpLiveSet(svc.key), names.backendCounterMap(svc.key)].every((m) => inv.sets.has(m));
}

const OWN_PREFIXES = ['svc_', 'fwd_', 'mg_', 'live_', 'ulive_', 'bc_', 'rej_', 'addr4_', 'addr6_', 'drop4_', 'drop6_', 'bk_'];
const isOwn = (name: string) => OWN_PREFIXES.some((p) => name.startsWith(p));
const ELEMENT_CHUNK = 2048;

export function renderNftChange(prev: AppliedSummary | null, next: DataplanePlan, inv: NftInventory): NftChange {
  const t = `inet ${next.options.table}`;
  // The kernel is the truth: a summary whose chains are gone (reboot, manual flush) is ignored.
  const globalsPresent = GLOBAL_CHAINS.every((c) => inv.chains.has(c)) && GLOBAL_SETS.every((m) => inv.sets.has(m));
  const known = inv.tableExists && globalsPresent && prev !== null && prev.services.every((s) => inv.chains.has(names.svcChain(s.key))) ? prev : null;
  const out: string[] = [];
  const prevDigest = new Map((known?.services ?? []).map((s) => [s.id, s.digest]));

  if (!known) out.push(...renderGlobals(next));
  else if (known.flowPolicy !== flowPolicyKey(next)) out.push(...renderFlowPolicy(next));
  if (!known || known.marks.join(',') !== next.marks.join(',')) out.push(...renderProbePorts(next, !known && !inv.sets.has('probe_ports')));
  if (!known || known.probeRules !== probeRulesKey(next)) out.push(...renderProbeRules(next));

  const changed: string[] = [];
  for (const svc of next.services) {
    // Unchanged and all of its objects still in the kernel: leave it alone (else rewrite it: self-healing).
    if (prevDigest.get(svc.id) === svc.digest && serviceObjectsPresent(svc, inv)) continue;
    changed.push(svc.id);
    out.push(...renderService(t, svc, inv));
  }

  const desired = desiredObjects(next);
  const staleChains = [...inv.chains].filter((c) => isOwn(c) && !desired.chains.has(c));
  for (const c of staleChains) out.push(`flush chain ${t} ${c}`);

  out.push(...renderVipChanges(t, known, next));

  for (const c of staleChains) out.push(`delete chain ${t} ${c}`);
  for (const s of [...inv.sets].filter((n) => isOwn(n) && !desired.sets.has(n))) out.push(`delete ${s.startsWith('live_') || s.startsWith('ulive_') ? 'set' : 'map'} ${t} ${s}`);
  const counters = inv.counters ?? (known ? countersOf(known) : new Set<string>());
  for (const c of [...counters].filter((n) => isOwn(n) && !desired.counters.has(n))) out.push(`delete counter ${t} ${c}`);

  const removed = [...new Set(staleChains.filter((c) => c.startsWith('svc_')).map((c) => c.slice(4)))];
  return { script: out.length ? `${out.join('\n')}\n` : '', changed, removed, empty: out.length === 0 };
}

/** Baseline for benchmarks: delete the whole table and install everything again (loses flows). */
export function renderFullRebuild(next: DataplanePlan, tableExists: boolean): string {
  const lines = tableExists ? [`delete table inet ${next.options.table}`] : [];
  return `${[...lines, renderNftChange(null, next, EMPTY_INVENTORY).script].join('\n')}`;
}

function renderGlobals(plan: DataplanePlan): string[] {
  const t = `inet ${plan.options.table}`;
  const flowSpec = `flags dynamic,timeout; timeout ${plan.options.flowTimeoutSeconds}s; size ${plan.options.flowTableSize};`;
  return [
    `add table ${t}`,
    `add map ${t} flows4 { typeof ip saddr . th sport . ip daddr . th dport : meta mark; ${flowSpec} }`,
    // nft 1.0.6 aborts on dynamic-set keys above 16 bytes, so IPv6 flows are keyed by two 32-bit
    // hashes of the 5-tuple (64 bits: collisions negligible; the map is local, seeds need not match).
    `add map ${t} flows6 { typeof numgen inc mod 2 . numgen inc mod 2 : meta mark; ${flowSpec} }`,
    `add map ${t} vip4 { typeof ip daddr : verdict; }`,
    `add map ${t} vip6 { typeof ip6 daddr : verdict; }`,
    `add map ${t} probe_ports { typeof tcp sport : meta mark; flags interval; }`,
    `add chain ${t} prerouting { type filter hook prerouting priority mangle; policy accept; }`,
    `flush chain ${t} prerouting`,
    `add rule ${t} prerouting ip daddr vmap @vip4`,
    `add rule ${t} prerouting ip6 daddr vmap @vip6`,
    // type route: changing the mark of a local packet re-routes it (into the backend's tunnel table).
    `add chain ${t} probe_out { type route hook output priority mangle; policy accept; }`,
    ...renderFlowPolicy(plan),
  ];
}

/** The global chains the service chains jump to for flow entries (see the header). */
function renderFlowPolicy(plan: DataplanePlan): string[] {
  const t = `inet ${plan.options.table}`;
  const o = plan.options;
  const handshake = o.flowHandshakeTimeoutSeconds ?? FLOW_HANDSHAKE_TIMEOUT_SECONDS;
  const rate = o.floodNewFlowsPerSecond ?? FLOOD_NEW_FLOWS_PER_SECOND;
  const over = `limit rate over ${rate}/second burst ${rate} packets`;
  const out = GLOBAL_COUNTERS.map((c) => `add counter ${t} ${c}`);
  for (const c of ['flow_syn', 'flow_new4', 'flow_new6', 'flow_seen4', 'flow_seen6']) out.push(`add chain ${t} ${c}`, `flush chain ${t} ${c}`);
  out.push(`add rule ${t} flow_syn ${over} counter name "${FLOW_COUNTERS.syn}"`);
  for (const fam of [4, 6] as const) {
    // Under flood: no new entry (the hash still places the flow).
    out.push(`add rule ${t} flow_new${fam} ${over} counter name "${FLOW_COUNTERS.flood}" return`);
    out.push(`add rule ${t} flow_new${fam} update @flows${fam} { ${flowKey(fam)} timeout ${handshake}s : meta mark } return`);
    // Reached only when the update failed: the map is full.
    out.push(`add rule ${t} flow_new${fam} counter name "${FLOW_COUNTERS.full}"`);
    out.push(`add rule ${t} flow_seen${fam} update @flows${fam} { ${flowKey(fam)} timeout ${o.flowTimeoutSeconds}s : meta mark }`);
  }
  return out;
}

function anycastAddresses(plan: DataplanePlan, fam: 4 | 6): string[] {
  return [...new Set(plan.services.flatMap((s) => s.addresses.filter((a) => a.family === fam).map((a) => a.address)))].sort();
}

function probeRulesKey(plan: DataplanePlan): string {
  return [plan.options.probeUid ?? PROBE_UID_DEFAULT, anycastAddresses(plan, 4).join(','), anycastAddresses(plan, 6).join(',')].join('/');
}

/**
 * Probe marking (issue 9 §7): only the agent's probe sockets (their own uid), so a local service
 * whose port falls in the probe range is never marked into a backend's tunnel. The kernel's own
 * resets of a probe connection (a backend's late segment after the probe socket was closed) have no
 * socket and so no uid: resets from the probe range to an anycast address of this edge take the
 * tunnel too; unmarked they would leave through the router and come back to an edge as if a client
 * had sent them (counted as the tenant's traffic: the one-packet, 60-byte difference in the fleet test).
 */
function renderProbeRules(plan: DataplanePlan): string[] {
  const t = `inet ${plan.options.table}`;
  const out = [`flush chain ${t} probe_out`, `add rule ${t} probe_out meta skuid ${plan.options.probeUid ?? PROBE_UID_DEFAULT} meta l4proto tcp meta mark set tcp sport map @probe_ports`];
  for (const fam of [4, 6] as const) {
    const addrs = anycastAddresses(plan, fam);
    if (addrs.length) out.push(`add rule ${t} probe_out tcp flags rst ${fam === 4 ? 'ip' : 'ip6'} daddr { ${addrs.join(', ')} } meta mark set tcp sport map @probe_ports`);
  }
  return out;
}

function renderProbePorts(plan: DataplanePlan, fresh: boolean): string[] {
  const t = `inet ${plan.options.table}`;
  const out = fresh ? [] : [`flush map ${t} probe_ports`];
  const elems = plan.marks.map((m) => {
    const [from, to] = probePorts(plan, m);
    return `${from}-${to} : ${hex(m)}`;
  });
  for (let i = 0; i < elems.length; i += ELEMENT_CHUNK) out.push(`add element ${t} probe_ports { ${elems.slice(i, i + ELEMENT_CHUNK).join(', ')} }`);
  return out;
}

function listenerSet(listeners: readonly Listener[]): string {
  const items = listeners.map((l) => `${l.protocol} . ${l.port_from === l.port_to ? l.port_from : `${l.port_from}-${l.port_to}`}`);
  return `{ ${items.join(', ')} }`;
}

/** Flow map key of each family (see flows6 above for why IPv6 is hashed). */
export function flowKey(fam: 4 | 6): string {
  if (fam === 4) return 'ip saddr . th sport . ip daddr . th dport';
  const tuple = 'ip6 saddr . th sport . ip6 daddr . th dport';
  return `jhash ${tuple} mod 4294967295 seed 0x61667631 . jhash ${tuple} mod 4294967295 seed 0x61667632`;
}

function hashExpr(svc: ServicePlan, fam: 4 | 6): string {
  const ip = fam === 4 ? 'ip' : 'ip6';
  const key = svc.hashMode === 'client_ip' ? `${ip} saddr` : `${ip} saddr . th sport . ${ip} daddr . th dport`;
  return `jhash ${key} mod ${svc.m} seed ${hex(svc.seed)}`;
}

/**
 * The client's flow as an ICMP error's embedded packet (anycast -> client) names it, source and
 * destination swapped (client, client port, anycast, service port): the same bytes the data path
 * hashes (raw payload loads fill the registers exactly as `ip saddr`, `th sport` do), so the error
 * reaches the backend that owns the flow (Katran's handle_icmp).
 */
function embeddedTuple(fam: 4 | 6, clientOnly = false): string {
  const e = ICMP_EMBEDDED[fam];
  return clientOnly ? e.daddr : `${e.daddr} . ${e.dport} . ${e.saddr} . ${e.sport}`;
}

/**
 * ICMP to an anycast address (issue 9 §5), after which the listener filter would drop it:
 *  - errors (IPv4 destination unreachable, fragmentation needed included; IPv6 destination
 *    unreachable and packet too big) go to the backend that owns the embedded flow, so path MTU
 *    discovery works for the backend's replies. IPv6 errors consult the flow table first (a flow it
 *    keeps on an earlier backend gets its errors there too); IPv4 errors are placed by the hash
 *    only: nft 1.0.6 refuses a raw-payload key against flows4's typed key (ip saddr . th sport ...);
 *  - echo requests are hashed by the client's address and answered by that backend (it holds the
 *    anycast address), not by the edge: the edge never delivers tenant addresses locally, and a
 *    reply proves the whole path to a backend; the same client always reaches the same backend.
 */
function icmpRules(svc: ServicePlan, fam: 4 | 6): string[] {
  const mg = `map @${names.maglevMap(svc.key, svc.m)}`;
  const mod = `mod ${svc.m} seed ${hex(svc.seed)}`;
  const embeddedHash = `jhash ${embeddedTuple(fam, svc.hashMode === 'client_ip')} ${mod}`;
  if (fam === 4) {
    return [
      `icmp type echo-request meta mark set jhash ip saddr ${mod} ${mg}`,
      `icmp type destination-unreachable ${ICMP_EMBEDDED[4].versionIhl} 0x45 ${ICMP_EMBEDDED[4].protocol} { 6, 17 } meta mark set ${embeddedHash} ${mg}`,
    ];
  }
  const e = ICMP_EMBEDDED[6];
  const error = `icmpv6 type { destination-unreachable, packet-too-big } ${e.version} 6 ${e.protocol} { 6, 17 }`;
  const flowKey6 = flowKey(6).replaceAll('ip6 saddr . th sport . ip6 daddr . th dport', embeddedTuple(6));
  return [
    `icmpv6 type echo-request meta mark set jhash ip6 saddr ${mod} ${mg}`,
    `${error} meta mark set ${flowKey6} map @flows6`,
    `${error} meta mark != @${names.liveSet(svc.key)} meta mark set ${embeddedHash} ${mg}`,
  ];
}

export function renderService(t: string, svc: ServicePlan, inv: NftInventory): string[] {
  const svcChain = names.svcChain(svc.key);
  const fwdChain = names.fwdChain(svc.key);
  const mg = names.maglevMap(svc.key, svc.m);
  const live = names.liveSet(svc.key);
  const bc = names.backendCounterMap(svc.key);
  const rej = names.rejectCounter(svc.key);
  const out: string[] = [];
  for (const c of [svcChain, fwdChain]) {
    out.push(`add chain ${t} ${c}`);
    if (inv.chains.has(c)) out.push(`flush chain ${t} ${c}`);
  }
  out.push(`add counter ${t} ${rej}`);
  for (const a of svc.addresses) out.push(`add counter ${t} ${names.addressCounter(a.address)}`, `add counter ${t} ${names.dropCounter(a.address)}`);
  for (const b of svc.backends) out.push(`add counter ${t} ${names.backendCounter(b.mark)}`);

  out.push(`add map ${t} ${mg} { typeof numgen inc mod ${svc.m} : meta mark; }`);
  if (inv.sets.has(mg)) out.push(`flush map ${t} ${mg}`);
  const buckets = [...svc.buckets].map(([k, v]) => `${k} : ${hex(v)}`);
  for (let i = 0; i < buckets.length; i += ELEMENT_CHUNK) out.push(`add element ${t} ${mg} { ${buckets.slice(i, i + ELEMENT_CHUNK).join(', ')} }`);

  out.push(`add set ${t} ${live} { typeof meta mark; }`);
  if (inv.sets.has(live)) out.push(`flush set ${t} ${live}`);
  if (svc.liveMarks.length) out.push(`add element ${t} ${live} { ${svc.liveMarks.map(hex).join(', ')} }`);
  const ulive = names.udpLiveSet(svc.key);
  out.push(`add set ${t} ${ulive} { typeof meta mark; }`);
  if (inv.sets.has(ulive)) out.push(`flush set ${t} ${ulive}`);
  if (svc.udpLiveMarks.length) out.push(`add element ${t} ${ulive} { ${svc.udpLiveMarks.map(hex).join(', ')} }`);

  out.push(`add map ${t} ${bc} { type mark : counter; }`);
  if (inv.sets.has(bc)) out.push(`flush map ${t} ${bc}`);
  if (svc.backends.length) out.push(`add element ${t} ${bc} { ${svc.backends.map((b) => `${hex(b.mark)} : "${names.backendCounter(b.mark)}"`).join(', ')} }`);

  const r = (rule: string) => out.push(`add rule ${t} ${svcChain} ${rule}`);
  const listeners = listenerSet(svc.listeners);
  for (const fam of [4, 6] as const) {
    const addrs = svc.addresses.filter((a) => a.family === fam);
    if (!addrs.length) continue;
    const ip = fam === 4 ? 'ip' : 'ip6';
    const counterMap = (fn: (a: string) => string) => `{ ${addrs.map((a) => `${a.address} : "${fn(a.address)}"`).join(', ')} }`;
    r(`counter name ${ip} daddr map ${counterMap(names.addressCounter)}`);
  }
  const fams = ([4, 6] as const).filter((fam) => svc.addresses.some((a) => a.family === fam));
  // Fragments: a non-first one has no ports to place it by, and a first one alone only fills the
  // backend's reassembly queue (the edge does not reassemble: that needs conntrack). Dropped, counted.
  for (const fam of fams) r(`${fam === 4 ? 'ip frag-off & 0x3fff != 0' : 'meta nfproto ipv6 exthdr frag exists'} counter name "${PACKET_COUNTERS.fragments}" drop`);
  // A host mark must never look like one of ours.
  r('meta mark set 0');
  for (const fam of fams) for (const rule of icmpRules(svc, fam)) r(rule);
  r(`meta l4proto { icmp, ipv6-icmp } meta mark @${live} counter name "${PACKET_COUNTERS.icmpForwarded}" goto ${fwdChain}`);
  r(`meta l4proto { icmp, ipv6-icmp } counter name "${PACKET_COUNTERS.icmpDropped}" drop`);
  for (const fam of fams) {
    const addrs = svc.addresses.filter((a) => a.family === fam);
    const ip = fam === 4 ? 'ip' : 'ip6';
    const counterMap = (fn: (a: string) => string) => `{ ${addrs.map((a) => `${a.address} : "${fn(a.address)}"`).join(', ')} }`;
    r(`meta l4proto . th dport != ${listeners} counter name ${ip} daddr map ${counterMap(names.dropCounter)} drop`);
  }
  for (const fam of fams) r(`meta nfproto ipv${fam} meta mark set ${flowKey(fam)} map @flows${fam}`);
  // A TCP SYN starts a new connection: it never follows a stale entry of a reused 5-tuple.
  r('tcp flags & (syn | ack) == syn meta mark set 0 jump flow_syn');
  // A UDP flow leaves an unhealthy backend (no connection to keep): the hash re-places every packet
  // (the kernel cannot delete from a map in the data path; the stale entry expires or, once the backend is healthy again, applies again).
  r(`meta l4proto udp meta mark != @${ulive} meta mark set 0`);
  // Flow entry of a backend still configured: keep the flow there (drains disabled/unhealthy ones
  // gracefully) and promote the entry to the long timeout.
  for (const fam of fams) r(`meta mark @${live} meta nfproto ipv${fam} jump flow_seen${fam}`);
  r(`meta mark @${live} goto ${fwdChain}`);
  for (const fam of fams) r(`meta nfproto ipv${fam} meta mark set ${hashExpr(svc, fam)} map @${mg}`);
  // A SYN is placed by the hash alone and creates no entry: a SYN flood cannot fill the table.
  r(`meta mark @${live} tcp flags & (syn | ack) == syn goto ${fwdChain}`);
  for (const fam of fams) r(`meta mark @${live} meta nfproto ipv${fam} jump flow_new${fam}`);
  r(`meta mark @${live} goto ${fwdChain}`);
  // No usable backend: refuse quickly instead of black-holing.
  r(`meta l4proto tcp counter name "${rej}" reject with tcp reset`);
  r(`counter name "${rej}" reject with icmpx type port-unreachable`);

  const f = (rule: string) => out.push(`add rule ${t} ${fwdChain} ${rule}`);
  f(`counter name meta mark map @${bc}`);
  f('accept');
  return out;
}

function vipMap(summary: { services: { key: string; addresses: AddressPlan[] }[] } | null): Map<string, { key: string; family: 4 | 6 }> {
  const m = new Map<string, { key: string; family: 4 | 6 }>();
  for (const s of summary?.services ?? []) for (const a of s.addresses) m.set(a.address, { key: s.key, family: a.family });
  return m;
}

function renderVipChanges(t: string, known: AppliedSummary | null, next: DataplanePlan): string[] {
  const out: string[] = [];
  const before = vipMap(known);
  const after = vipMap(next);
  if (!known) out.push(`flush map ${t} vip4`, `flush map ${t} vip6`);
  for (const [addr, v] of before) {
    const n = after.get(addr);
    if (!n || n.key !== v.key) out.push(`delete element ${t} vip${v.family} { ${addr} }`);
  }
  for (const [addr, v] of after) {
    const p = before.get(addr);
    if (!p || p.key !== v.key) out.push(`add element ${t} vip${v.family} { ${addr} : jump ${names.svcChain(v.key)} }`);
  }
  return out;
}

/** Counters an applied summary implies (see NftInventory.counters). */
export function countersOf(summary: AppliedSummary): Set<string> {
  const out = new Set<string>(summary.marks.map(names.backendCounter));
  for (const s of summary.services) {
    out.add(names.rejectCounter(s.key));
    for (const a of s.addresses) out.add(names.addressCounter(a.address)).add(names.dropCounter(a.address));
  }
  return out;
}

export function desiredObjects(plan: DataplanePlan): { chains: Set<string>; sets: Set<string>; counters: Set<string> } {
  const chains = new Set<string>(GLOBAL_CHAINS);
  const sets = new Set<string>(GLOBAL_SETS);
  const counters = new Set<string>(GLOBAL_COUNTERS);
  for (const s of plan.services) {
    chains.add(names.svcChain(s.key)).add(names.fwdChain(s.key));
    sets.add(names.maglevMap(s.key, s.m)).add(names.liveSet(s.key)).add(names.udpLiveSet(s.key)).add(names.backendCounterMap(s.key));
    counters.add(names.rejectCounter(s.key));
    for (const a of s.addresses) counters.add(names.addressCounter(a.address)).add(names.dropCounter(a.address));
    for (const b of s.backends) counters.add(names.backendCounter(b.mark));
  }
  return { chains, sets, counters };
}
