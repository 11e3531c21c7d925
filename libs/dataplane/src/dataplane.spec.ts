import { allocateMarks, emptyAllocation, markKey } from './marks';
import { buildPlan, DataplanePlan, maglevBuckets, PlanOptions, wantedMarkKeys, HealthLookup } from './plan';
import { EMPTY_INVENTORY, NftInventory, renderNftChange, summarize, desiredObjects, flowKey } from './nft';
import { service, state } from './fixtures.spec-helpers';
import { semanticProblems } from './validate';
import { names, serviceKey } from './names';
import type { DesiredState } from '@anyfront/contracts';
import { buildMinimalDisruptionTable, encodeMaglevTable } from '@anyfront/maglev';

const OPTS: PlanOptions = { table: 'anyfront', flowTimeoutSeconds: 300, flowTableSize: 65536, probePortBase: 10000 };
const healthy: HealthLookup = () => undefined;

function plan(s: DesiredState, health: HealthLookup = healthy, alloc = allocateMarks(emptyAllocation(0x100000, 1000), wantedMarkKeys(s))): DataplanePlan {
  return buildPlan(s, alloc, health, OPTS);
}
/** Inventory the kernel would have after applying `p`. */
function inventoryOf(p: DataplanePlan): NftInventory {
  const d = desiredObjects(p);
  return { tableExists: true, chains: d.chains, sets: d.sets, counters: d.counters };
}
const lines = (script: string) => script.trim().split('\n');

describe('marks', () => {
  it('keeps existing slots, frees removed ones and does not reuse them immediately', () => {
    const a = allocateMarks(emptyAllocation(0x100000, 4), ['s/a', 's/b']);
    expect(a.slots).toEqual({ 's/a': 0, 's/b': 1 });
    const b = allocateMarks(a, ['s/b', 's/c']);
    expect(b.slots).toEqual({ 's/b': 1, 's/c': 2 });
    const c = allocateMarks(b, ['s/b', 's/c', 's/d', 's/e']);
    expect(c.slots['s/d']).toBe(3);
    expect(c.slots['s/e']).toBe(0); // wrapped round only once the range is used up
    expect(() => allocateMarks(c, ['s/b', 's/c', 's/d', 's/e', 's/f'])).toThrow(/no free fwmark/);
  });
  it('is stable across a restart (same input allocation, same wanted keys)', () => {
    const a = allocateMarks(emptyAllocation(0x100000, 100), ['x/1', 'x/2', 'y/1']);
    expect(allocateMarks(JSON.parse(JSON.stringify(a)), ['y/1', 'x/2', 'x/1'])).toEqual(a);
  });
});

describe('Maglev buckets across edges', () => {
  const five = [1, 2, 3, 4, 5].map((i) => ({ id: `b${i}`, address: `fd00:b::${i}`, weight: 1, enabled: true }));
  const s = state([service('web', { backends: five, maglev_table_size: 509 })]);

  it('is identical whatever order the backends arrive in', () => {
    const shuffled = state([service('web', { backends: [...five].reverse(), maglev_table_size: 509 })]);
    expect([...plan(shuffled).services[0].buckets]).toEqual([...plan(s).services[0].buckets]);
  });

  it('keeps every bucket of a healthy backend identical when another edge sees a backend down', () => {
    const allUp = plan(s).services[0];
    const b3down = plan(s, (_svc, b) => (b === 'b3' ? false : true)).services[0];
    const mark3 = allUp.backends.find((b) => b.id === 'b3')!.mark;
    let moved = 0;
    for (const [bucket, mark] of allUp.buckets) {
      if (mark === mark3) {
        moved++;
        expect(b3down.buckets.get(bucket)).not.toBe(mark3);
        expect(b3down.buckets.has(bucket)).toBe(true);
      } else {
        expect(b3down.buckets.get(bucket)).toBe(mark);
      }
    }
    expect(moved).toBeGreaterThan(0);
    expect(b3down.buckets.size).toBe(509);
    // Edges that agree on health agree on the re-mapped buckets too.
    expect([...plan(s, (_s, b) => b !== 'b3').services[0].buckets]).toEqual([...b3down.buckets]);
  });

  it('leaves buckets empty when no backend is healthy (the chain then rejects)', () => {
    expect(plan(s, () => false).services[0].buckets.size).toBe(0);
    const disabled = state([service('web', { backends: five.map((b) => ({ ...b, enabled: false })), maglev_table_size: 509 })]);
    expect(plan(disabled).services[0].buckets.size).toBe(0);
  });

  it('gives weight-0 and disabled backends no new flows but keeps them live for existing flows', () => {
    const mixed = state([service('web', { backends: [five[0], { ...five[1], weight: 0 }, { ...five[2], enabled: false }], maglev_table_size: 509 })]);
    const p = plan(mixed).services[0];
    expect(new Set(p.buckets.values())).toEqual(new Set([p.backends[0].mark]));
    expect(p.liveMarks).toHaveLength(3);
  });

  it('with rise required, a backend not checked yet gets no new flows until it passed (issue 9 §7)', () => {
    const rise = (health: HealthLookup) => buildPlan(s, allocateMarks(emptyAllocation(0x100000, 1000), wantedMarkKeys(s)), health, { ...OPTS, requireRise: true }).services[0];
    // Control: without rise, unknown counts as healthy.
    expect(new Set(plan(s, (_s, b) => (b === 'b5' ? undefined : true)).services[0].buckets.values()).size).toBe(5);
    const p = rise((_s, b) => (b === 'b5' ? undefined : true));
    const b5 = p.backends.find((b) => b.id === 'b5')!.mark;
    expect(new Set(p.buckets.values()).size).toBe(4);
    expect([...p.buckets.values()]).not.toContain(b5);
    expect(p.liveMarks).toContain(b5);
    expect(p.udpLiveMarks).not.toContain(b5);
    expect(rise(() => undefined).buckets.size).toBe(0);
    expect(rise(() => true).buckets.size).toBe(509);
  });

  it('keeps a removed backend draining: its mark stays live, it gets no bucket, the shipped table still decodes', () => {
    const four = state([service('web', { backends: five.slice(0, 4), maglev_table_size: 509 })]);
    const draining = (id: string) => (id === 'web' ? [{ id: 'b5', address: 'fd00:b::5' }] : []);
    const alloc = allocateMarks(emptyAllocation(0x100000, 1000), wantedMarkKeys(s));
    const before = buildPlan(s, alloc, healthy, OPTS).services[0];
    const p = buildPlan(four, alloc, healthy, OPTS, draining).services[0];
    const b5 = p.backends.find((b) => b.id === 'b5')!;
    expect(b5).toMatchObject({ draining: true, enabled: false, weight: 0, mark: before.backends[4].mark });
    expect([...p.buckets.values()]).not.toContain(b5.mark);
    expect(p.liveMarks).toContain(b5.mark);
    // Same buckets as without the draining backend: draining never changes the table.
    expect([...p.buckets]).toEqual([...buildPlan(four, alloc, healthy, OPTS).services[0].buckets]);
  });

  it('keeps UDP flows only on backends that are not unhealthy', () => {
    const p = plan(s, (_s, b) => b !== 'b2').services[0];
    const b2 = p.backends.find((b) => b.id === 'b2')!.mark;
    expect(p.liveMarks).toContain(b2);
    expect(p.udpLiveMarks).not.toContain(b2);
    expect(p.udpLiveMarks).toHaveLength(4);
  });

  it('maps buckets straight from the primary table when everything is healthy', () => {
    const p = plan(s).services[0];
    expect(maglevBuckets(p.backends, 509)).toEqual(p.buckets);
  });
});

describe('nft renderer', () => {
  const one = state([service('web')]);

  it('first install: one table, dispatch maps, flow maps, service chain in the documented order', () => {
    const p = plan(one);
    const key = serviceKey('web');
    const ch = renderNftChange(null, p, EMPTY_INVENTORY);
    const l = lines(ch.script);
    expect(l[0]).toBe('add table inet anyfront');
    expect(l).toContain('add rule inet anyfront prerouting ip daddr vmap @vip4');
    expect(l).toContain('add chain inet anyfront prerouting { type filter hook prerouting priority mangle; policy accept; }');
    expect(l).toContain('add map inet anyfront flows4 { typeof ip saddr . th sport . ip daddr . th dport : meta mark; flags dynamic,timeout; timeout 300s; size 65536; }');
    expect(l).toContain('add element inet anyfront probe_ports { 10000-10001 : 0x100000, 10002-10003 : 0x100001 }');
    const svcRules = l.filter((x) => x.startsWith(`add rule inet anyfront svc_${key} `)).map((x) => x.slice(`add rule inet anyfront svc_${key} `.length));
    expect(svcRules).toEqual([
      'counter name ip daddr map { 198.51.100.10 : "addr4_198_51_100_10" }',
      'ip frag-off & 0x3fff != 0 counter name "frag_drop" drop',
      'meta mark set 0',
      // ICMP before the listener filter (issue 9 §5): echo hashed by client, errors by the embedded flow swapped.
      `icmp type echo-request meta mark set jhash ip saddr mod 251 seed 0x1234 map @mg_${key}_251`,
      `icmp type destination-unreachable @th,64,8 0x45 @th,136,8 { 6, 17 } meta mark set jhash @th,192,32 . @th,240,16 . @th,160,32 . @th,224,16 mod 251 seed 0x1234 map @mg_${key}_251`,
      `meta l4proto { icmp, ipv6-icmp } meta mark @live_${key} counter name "icmp_fwd" goto fwd_${key}`,
      'meta l4proto { icmp, ipv6-icmp } counter name "icmp_drop" drop',
      'meta l4proto . th dport != { tcp . 80 } counter name ip daddr map { 198.51.100.10 : "drop4_198_51_100_10" } drop',
      'meta nfproto ipv4 meta mark set ip saddr . th sport . ip daddr . th dport map @flows4',
      'tcp flags & (syn | ack) == syn meta mark set 0 jump flow_syn',
      `meta l4proto udp meta mark != @ulive_${key} meta mark set 0`,
      `meta mark @live_${key} meta nfproto ipv4 jump flow_seen4`,
      `meta mark @live_${key} goto fwd_${key}`,
      `meta nfproto ipv4 meta mark set jhash ip saddr . th sport . ip daddr . th dport mod 251 seed 0x1234 map @mg_${key}_251`,
      `meta mark @live_${key} tcp flags & (syn | ack) == syn goto fwd_${key}`,
      `meta mark @live_${key} meta nfproto ipv4 jump flow_new4`,
      `meta mark @live_${key} goto fwd_${key}`,
      `meta l4proto tcp counter name "rej_${key}" reject with tcp reset`,
      `counter name "rej_${key}" reject with icmpx type port-unreachable`,
    ]);
    expect(l.filter((x) => x.startsWith(`add rule inet anyfront fwd_${key} `))).toEqual([
      `add rule inet anyfront fwd_${key} counter name meta mark map @bc_${key}`,
      `add rule inet anyfront fwd_${key} accept`,
    ]);
    // Flow policy: only non-SYN packets create entries, with the short handshake timeout; a hit refreshes to the long one.
    expect(l.filter((x) => /^add rule inet anyfront flow_(new|seen)4 |^add rule inet anyfront flow_syn /.test(x))).toEqual([
      'add rule inet anyfront flow_syn limit rate over 100000/second burst 100000 packets counter name "syn_flood"',
      'add rule inet anyfront flow_new4 limit rate over 100000/second burst 100000 packets counter name "flow_flood" return',
      'add rule inet anyfront flow_new4 update @flows4 { ip saddr . th sport . ip daddr . th dport timeout 10s : meta mark } return',
      'add rule inet anyfront flow_new4 counter name "flow_full"',
      'add rule inet anyfront flow_seen4 update @flows4 { ip saddr . th sport . ip daddr . th dport timeout 300s : meta mark }',
    ]);
    // No rule other than the flow policy's writes the flow maps.
    expect(l.filter((x) => x.includes('update @flows') && !/ flow_(new|seen)[46] /.test(x))).toEqual([]);
    expect(l).toContain(`add element inet anyfront vip4 { 198.51.100.10 : jump svc_${key} }`);
    expect(l).toContain(`add element inet anyfront bc_${key} { 0x100000 : "bk_100000", 0x100001 : "bk_100001" }`);
    // 251 buckets, in elements "k : mark" with spaces (the syntax nft needs).
    const mg = l.filter((x) => x.startsWith(`add element inet anyfront mg_${key}_251 `)).join(' ');
    expect(mg.match(/\d+ : 0x10000[01]/g)).toHaveLength(251);
    expect(l.some((x) => x.startsWith('flush map inet anyfront flows'))).toBe(false);
  });

  it('hashes the client address only in client_ip mode and handles IPv6 listeners, ranges and udp', () => {
    const s = state([service('v6', {
      hash_mode: 'client_ip',
      addresses: [{ address: 'fd00:aa::10', family: 6 }],
      listeners: [{ protocol: 'tcp', port_from: 443, port_to: 443 }, { protocol: 'udp', port_from: 5000, port_to: 5010 }],
    })]);
    const key = serviceKey('v6');
    const l = lines(renderNftChange(null, plan(s), EMPTY_INVENTORY).script);
    expect(l).toContain(`add rule inet anyfront svc_${key} meta nfproto ipv6 meta mark set jhash ip6 saddr mod 251 seed 0x1234 map @mg_${key}_251`);
    expect(l).toContain(`add rule inet anyfront svc_${key} meta l4proto . th dport != { tcp . 443, udp . 5000-5010 } counter name ip6 daddr map { fd00:aa::10 : "drop6_fd0000aa000000000000000000000010" } drop`);
    expect(l).toContain(`add rule inet anyfront svc_${key} meta nfproto ipv6 meta mark set ${flowKey(6)} map @flows6`);
    // ICMPv6 errors: the flow table first (the embedded tuple swapped, hashed as flowKey(6) hashes), then
    // the client address of the embedded packet (its destination) in client_ip mode.
    const err = 'icmpv6 type { destination-unreachable, packet-too-big } @th,64,4 6 @th,112,8 { 6, 17 }';
    const tuple = '@th,256,128 . @th,400,16 . @th,128,128 . @th,384,16';
    expect(l).toContain(`add rule inet anyfront svc_${key} ${err} meta mark set jhash ${tuple} mod 4294967295 seed 0x61667631 . jhash ${tuple} mod 4294967295 seed 0x61667632 map @flows6`);
    expect(l).toContain(`add rule inet anyfront svc_${key} ${err} meta mark != @live_${key} meta mark set jhash @th,256,128 mod 251 seed 0x1234 map @mg_${key}_251`);
    expect(l).toContain(`add rule inet anyfront svc_${key} meta nfproto ipv6 exthdr frag exists counter name "frag_drop" drop`);
    expect(l.some((x) => /^add rule inet anyfront (svc|fwd)_/.test(x) && x.includes('ip saddr'))).toBe(false);
  });

  it('renders nothing when the applied state already matches', () => {
    const p = plan(one);
    expect(renderNftChange(summarize(p), p, inventoryOf(p))).toMatchObject({ empty: true, script: '', changed: [] });
  });

  it('changes one service without touching the others, atomically in one script', () => {
    const before = state([service('a'), service('b', { addresses: [{ address: '198.51.100.20', family: 4 }] })]);
    const after = state([service('a'), service('b', { addresses: [{ address: '198.51.100.20', family: 4 }], backends: [{ id: 'b1', address: 'fd00:b::1', weight: 1, enabled: true }] })]);
    const alloc0 = allocateMarks(emptyAllocation(0x100000, 1000), wantedMarkKeys(before));
    const p0 = plan(before, healthy, alloc0);
    const p1 = plan(after, healthy, allocateMarks(alloc0, wantedMarkKeys(after)));
    const ch = renderNftChange(summarize(p0), p1, inventoryOf(p0));
    expect(ch.changed).toEqual(['b']);
    const ka = serviceKey('a');
    const kb = serviceKey('b');
    expect(ch.script).not.toContain(ka);
    expect(ch.script).toContain(`flush chain inet anyfront svc_${kb}`);
    expect(ch.script).toContain(`flush map inet anyfront mg_${kb}_251`);
    expect(ch.script).not.toContain('vip4');
    // b2 of service b went away: its counter is deleted after the map that referenced it was flushed.
    const removedMark = alloc0.slots[markKey('b', 'b2')] + 0x100000;
    const l = lines(ch.script);
    const del = l.indexOf(`delete counter inet anyfront bk_${removedMark.toString(16)}`);
    expect(del).toBeGreaterThan(l.indexOf(`flush map inet anyfront bc_${kb}`));
    expect(l).toContain('flush map inet anyfront probe_ports');
  });

  it('replaces the Maglev map when M changes, deleting the old one only after the chain is flushed', () => {
    const p0 = plan(one);
    const p1 = plan(state([service('web', { maglev_table_size: 509 })]));
    const k = serviceKey('web');
    const l = lines(renderNftChange(summarize(p0), p1, inventoryOf(p0)).script);
    expect(l.indexOf(`delete map inet anyfront mg_${k}_251`)).toBeGreaterThan(l.indexOf(`flush chain inet anyfront svc_${k}`));
    expect(l).toContain(`add map inet anyfront mg_${k}_509 { typeof numgen inc mod 509 : meta mark; }`);
  });

  it('removes a service: dispatch element first, then its chains, maps and counters', () => {
    const both = state([service('a'), service('b', { addresses: [{ address: '198.51.100.20', family: 4 }] })]);
    const alloc = allocateMarks(emptyAllocation(0x100000, 1000), wantedMarkKeys(both));
    const p0 = plan(both, healthy, alloc);
    const p1 = plan(state([service('a')]), healthy, allocateMarks(alloc, wantedMarkKeys(state([service('a')]))));
    const ch = renderNftChange(summarize(p0), p1, inventoryOf(p0));
    const kb = serviceKey('b');
    const l = lines(ch.script);
    expect(ch.changed).toEqual([]);
    expect(ch.removed).toEqual([kb]);
    const order = ['flush chain inet anyfront svc_' + kb, 'delete element inet anyfront vip4 { 198.51.100.20 }', 'delete chain inet anyfront svc_' + kb, `delete map inet anyfront mg_${kb}_251`, `delete set inet anyfront live_${kb}`, 'delete counter inet anyfront addr4_198_51_100_20'].map((x) => l.indexOf(x));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(ch.script).not.toContain(`svc_${serviceKey('a')}`);
  });

  it('derives the counters to delete from the applied summary when the inventory has none (cheap inventory)', () => {
    const both = state([service('a'), service('b', { addresses: [{ address: '198.51.100.20', family: 4 }] })]);
    const alloc = allocateMarks(emptyAllocation(0x100000, 1000), wantedMarkKeys(both));
    const p0 = plan(both, healthy, alloc);
    const p1 = plan(state([service('a')]), healthy, allocateMarks(alloc, wantedMarkKeys(state([service('a')]))));
    const { counters: _c, ...noCounters } = inventoryOf(p0);
    const l = lines(renderNftChange(summarize(p0), p1, noCounters).script);
    expect(l).toContain('delete counter inet anyfront addr4_198_51_100_20');
    expect(l).toContain(`delete counter inet anyfront rej_${serviceKey('b')}`);
    expect(l.filter((x) => x.startsWith('delete counter inet anyfront bk_'))).toHaveLength(2);
  });

  it('rewrites only the flow policy (never the flow maps) when its options change', () => {
    const p0 = plan(one);
    const p1 = { ...p0, options: { ...p0.options, flowHandshakeTimeoutSeconds: 5, floodNewFlowsPerSecond: 2000 } };
    expect(renderNftChange(summarize(p0), p0, inventoryOf(p0)).empty).toBe(true);
    const l = lines(renderNftChange(summarize(p0), p1, inventoryOf(p0)).script);
    expect(l).toContain('flush chain inet anyfront flow_new4');
    expect(l).toContain('add rule inet anyfront flow_new4 update @flows4 { ip saddr . th sport . ip daddr . th dport timeout 5s : meta mark } return');
    expect(l).toContain('add rule inet anyfront flow_syn limit rate over 2000/second burst 2000 packets counter name "syn_flood"');
    expect(l.some((x) => x.startsWith('add rule inet anyfront svc_') || /^(add|flush|delete) (map|element) .*flows/.test(x))).toBe(false);
  });

  it('an older agent\'s table gets the ICMP/fragment counters first and every service rendered again', () => {
    const p = plan(one);
    const now = summarize(p);
    // What an agent before the ICMP rules applied: no rules version in its flow policy, another digest.
    const older = { ...now, flowPolicy: now.flowPolicy!.replace(/\/r\d+$/, ''), services: now.services.map((s) => ({ ...s, digest: 'older' })) };
    const l = lines(renderNftChange(older, p, inventoryOf(p)).script);
    const counterAt = l.indexOf('add counter inet anyfront icmp_fwd');
    expect(counterAt).toBeGreaterThanOrEqual(0);
    expect(l).toContain('add counter inet anyfront frag_drop');
    expect(l.findIndex((x) => x.includes('counter name "icmp_fwd"'))).toBeGreaterThan(counterAt);
  });

  it('moves an address between services by re-pointing its dispatch element', () => {
    const p0 = plan(state([service('a'), service('b', { addresses: [{ address: '198.51.100.20', family: 4 }] })]));
    const p1 = plan(state([service('a', { addresses: [{ address: '198.51.100.10', family: 4 }, { address: '198.51.100.20', family: 4 }] }), service('b', { addresses: [{ address: '198.51.100.30', family: 4 }] })]));
    const l = lines(renderNftChange(summarize(p0), p1, inventoryOf(p0)).script);
    const del = l.indexOf('delete element inet anyfront vip4 { 198.51.100.20 }');
    const add = l.indexOf(`add element inet anyfront vip4 { 198.51.100.20 : jump svc_${serviceKey('a')} }`);
    expect(del).toBeGreaterThanOrEqual(0);
    expect(add).toBeGreaterThan(del);
  });

  it('re-syncs everything (without touching the flow maps) when the kernel lost the applied objects', () => {
    const p = plan(one);
    const stale: NftInventory = { tableExists: true, chains: new Set(['prerouting', 'svc_deadbeef0000', 'fwd_deadbeef0000']), sets: new Set(['flows4', 'flows6', 'vip4', 'vip6', 'mg_deadbeef0000_251']), counters: new Set(['bk_100009']) };
    const l = lines(renderNftChange(summarize(p), p, stale).script);
    expect(l).toContain('flush map inet anyfront vip4');
    expect(l).toContain('delete chain inet anyfront svc_deadbeef0000');
    expect(l).toContain('delete map inet anyfront mg_deadbeef0000_251');
    expect(l).toContain('delete counter inet anyfront bk_100009');
    expect(l.some((x) => /flush map .* flows[46]|delete map .* flows/.test(x))).toBe(false);
  });

  it('repairs drift: rewrites a service whose map vanished, and everything (still without touching flows) when a global chain did', () => {
    const p = plan(state([service('a'), service('b', { addresses: [{ address: '198.51.100.20', family: 4 }] })]));
    const inv = inventoryOf(p);
    const ka = serviceKey('a');
    const lost: NftInventory = { ...inv, sets: new Set([...inv.sets].filter((x) => x !== `mg_${ka}_251`)) };
    const ch = renderNftChange(summarize(p), p, lost);
    expect(ch.changed).toEqual(['a']);
    expect(ch.script).not.toContain(`flush map inet anyfront mg_${ka}_251`);
    const noPrerouting: NftInventory = { ...inv, chains: new Set([...inv.chains].filter((x) => x !== 'prerouting')) };
    const all = renderNftChange(summarize(p), p, noPrerouting);
    expect(all.changed).toEqual(['a', 'b']);
    expect(all.script).toContain('add rule inet anyfront prerouting ip daddr vmap @vip4');
    expect(all.script).not.toMatch(/flush map inet anyfront flows/);
  });

  it('names objects by hashed service id, so any contract id is a valid nft name', () => {
    expect(names.svcChain(serviceKey('tenant:web-1.prod'))).toMatch(/^svc_[0-9a-f]{12}$/);
  });
});

describe('shipped Maglev table (compiled by the control plane)', () => {
  const four = [1, 2, 3, 4].map((i) => ({ id: `b${i}`, address: `fd00:b::${i}`, weight: 1, enabled: true }));
  const ids = four.map((b) => b.id);
  // What the control plane ships after b4 joined b1..b3: only buckets that must move went to b4.
  const previous = { ids: ids.slice(0, 3), table: buildMinimalDisruptionTable(null, four.slice(0, 3), 509) };
  const compiled = buildMinimalDisruptionTable(previous, four, 509);
  const shipped = state([service('web', { backends: four, maglev_table_size: 509, maglev_table: encodeMaglevTable(compiled, 4) })]);
  const markOfId = (p: DataplanePlan['services'][number]) => new Map(p.backends.map((b) => [b.mark, b.id]));

  it('programs the shipped table as is, not a local plain Maglev (which differs)', () => {
    const p = plan(shipped).services[0];
    const ownerOf = markOfId(p);
    expect(Array.from({ length: 509 }, (_, i) => ownerOf.get(p.buckets.get(i)!))).toEqual(Array.from(compiled, (i) => ids[i]));
    const local = plan(state([service('web', { backends: four, maglev_table_size: 509 })])).services[0];
    expect([...local.buckets]).not.toEqual([...p.buckets]);
  });

  it('a locally unhealthy backend: only its buckets move (to the minimal-disruption refill), every other bucket stays', () => {
    const up = plan(shipped).services[0];
    const down = plan(shipped, (_s, b) => b !== 'b2').services[0];
    const ownerOf = markOfId(up);
    let moved = 0;
    for (const [bucket, mark] of up.buckets) {
      const now = down.buckets.get(bucket);
      if (ownerOf.get(mark) === 'b2') {
        moved++;
        expect(now).toBeDefined();
        expect(ownerOf.get(now!)).not.toBe('b2');
      } else {
        expect(now).toBe(mark);
      }
    }
    expect(moved).toBeGreaterThan(100);
  });

  it('semantic validation refuses a table that does not fit the backend list', () => {
    const bad = (over: Parameters<typeof service>[1]) => semanticProblems(state([service('web', { backends: four, maglev_table_size: 509, ...over })]), { ipv6: 'fd00:1::11' });
    expect(bad({ maglev_table: encodeMaglevTable(compiled, 4) })).toEqual([]);
    expect(bad({ maglev_table: encodeMaglevTable(compiled.slice(0, 251), 4) })[0]).toMatch(/maglev_table: table holds 95 bytes, 191 expected for M = 509/);
    expect(bad({ backends: four.map((b) => (b.id === 'b3' ? { ...b, enabled: false } : b)), maglev_table: encodeMaglevTable(compiled, 4) })[0]).toMatch(/gives bucket \d+ to backend b3, which is disabled or has weight 0/);
    expect(bad({ backends: [...four].reverse(), maglev_table: encodeMaglevTable(compiled, 4) })[0]).toMatch(/sorted by id/);
    expect(bad({ maglev_table: encodeMaglevTable(new Int32Array(509).fill(-1), 4) })[0]).toMatch(/leaves bucket 0 empty/);
  });
});

describe('semantic validation', () => {
  it('accepts a sound state', () => {
    expect(semanticProblems(state([service('web')]), { ipv6: 'fd00:1::11' })).toEqual([]);
  });
  it('lists every problem: duplicates, family mismatches, encapsulation, M, tunnel source', () => {
    const s = state([
      service('a', { maglev_table_size: 250 }),
      service('a', { backends: [{ id: 'x', address: '203.0.113.5', weight: 1, enabled: true }, { id: 'x', address: 'fd00:b::9', weight: 1, enabled: true }] }),
      service('c', { addresses: [{ address: '198.51.100.99', family: 6 }], encapsulation: 'gue' }),
    ]);
    const p = semanticProblems(s, {});
    expect(p).toEqual(expect.arrayContaining([
      'service a: maglev_table_size 250 is not one of 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 65537',
      'service a: duplicate service id',
      'service a: address 198.51.100.10 is already used by service a',
      'service a: duplicate backend id x',
      'service a: backend x (203.0.113.5) cannot be reached with srv6, which needs an IPv6 backend address',
      'service c: address 198.51.100.99 is not IPv6',
      'service c: encapsulation gue needs gue_port',
      'service c: backend b1 needs an IPv6 tunnel source, but the node has none',
    ]));
  });
});
