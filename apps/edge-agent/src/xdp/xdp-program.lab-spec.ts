/**
 * BPF_PROG_TEST_RUN tests of the XDP fast path (apps/edge-agent/xdp): crafted frames in, the
 * program's verdict and bytes out, with the maps programmed by the agent's own XdpFastPath from a
 * real desired state. Needs root (bpffs, BPF), no network namespace; runs in about a second.
 * The expected encapsulations are built independently (packets.ts: the kernel's seg6 encap and
 * forwarding hop), and the expected backend is the bucket nft's `jhash ... mod M seed S` picks
 * (nftBucket), so an XDP edge and an nft edge agree on every flow.
 */
import { existsSync } from 'node:fs';
import { names } from '@anyfront/dataplane';
import { xdpCounterName } from '../reports';
import { nftBucket } from './layout';
import { clientFrame, ethernet, icmpPacket, ip6Encap, ipipEncap, ipPacket, srv6Encap, TCP, Tuple } from './packets';
import { EDGE_MAC, labService, labState, ROUTER_MAC, XDP_OBJECT, XdpHarness } from './xdp-harness';

jest.setTimeout(60_000);

const XDP_PASS = 2;
const XDP_TX = 3;
const SRC6 = 'fd00:1::11';
const SRC4 = '192.0.2.11';

/** The backend the nft path would pick for a tuple of the plan's only service (address of its bucket's mark). */
function nftBackend(h: XdpHarness, state: ReturnType<typeof labState>, t: Tuple, clientIpOnly = false): string {
  const svc = h.plan(state).services[0];
  const bucket = nftBucket(t, state.hash_seed, svc.m, clientIpOnly);
  const mark = svc.buckets.get(bucket);
  return svc.backends.find((b) => b.mark === mark)!.address;
}

const out = (inner: Buffer, encap: Buffer) => ethernet(ROUTER_MAC, EDGE_MAC, encap.readUInt8(0) >> 4 === 6 ? 0x86dd : 0x0800, encap);
const t4 = (sport: number, over: Partial<Tuple> = {}): Tuple => ({ src: '203.0.113.7', dst: '198.51.100.10', sport, dport: 80, proto: 'tcp', ...over });
const t6 = (sport: number, over: Partial<Tuple> = {}): Tuple => ({ src: 'fd00:c::7', dst: 'fd00:a0::10', sport, dport: 80, proto: 'tcp', ...over });
const VIP4 = '198.51.100.10';
const VIP6 = 'fd00:a0::10';
const ROUTER4 = '192.0.2.99';
const ROUTER6 = 'fd00:99::1';
/** The other direction of a flow: the backend's reply (anycast -> client). */
const reverse = (t: Tuple): Tuple => ({ src: t.dst, dst: t.src, sport: t.dport, dport: t.sport, proto: t.proto });
/** What a router on the way embeds in an error about the backend's reply: its IP header and the first 8 bytes after it. */
const reply = (t: Tuple) => ipPacket(reverse(t)).subarray(0, (t.src.includes(':') ? 40 : 20) + 8);
const icmpFrame = (icmp: Buffer) => ethernet(EDGE_MAC, ROUTER_MAC, icmp.readUInt8(0) >> 4 === 6 ? 0x86dd : 0x0800, icmp);

describe('XDP fast path (BPF_PROG_TEST_RUN)', () => {
  const h = new XdpHarness();
  const state = labState([labService('web')]);

  beforeAll(async () => {
    if (!existsSync(XDP_OBJECT)) throw new Error(`${XDP_OBJECT} missing: npm test builds it (node apps/edge-agent/xdp/build.mjs)`);
    await h.start();
    await h.program(state);
  });
  afterAll(() => h.stop());

  it('IPv4 client: TCP to a VIP listener leaves SRv6-encapsulated (IPv6 + SRH) to the nft path\'s backend, inner packet untouched', async () => {
    for (const sport of [40000, 40001, 40002, 40003, 40004, 40005]) {
      const t = t4(sport);
      const r = await h.bpf.testRun(clientFrame(t));
      expect(r.retval).toBe(XDP_TX);
      const inner = ipPacket(t);
      expect(r.out.toString('hex')).toBe(out(inner, srv6Encap(inner, SRC6, nftBackend(h, state, t))).toString('hex'));
    }
  });

  it('IPv6 client: next header 41, traffic class and hop limit (minus the hop) from the inner packet', async () => {
    for (const sport of [50000, 50001, 50002, 50003]) {
      const t = t6(sport);
      const opts = { tos: 0xb8, ttl: 57 };
      const r = await h.bpf.testRun(clientFrame(t, opts));
      expect(r.retval).toBe(XDP_TX);
      const inner = ipPacket(t, opts);
      expect(r.out.toString('hex')).toBe(out(inner, srv6Encap(inner, SRC6, nftBackend(h, state, t))).toString('hex'));
    }
  });

  it('UDP to a port of a listener range is carried too', async () => {
    const t = t4(41000, { proto: 'udp', dport: 5007 });
    const r = await h.bpf.testRun(clientFrame(t, { payload: Buffer.from('hello') }));
    expect(r.retval).toBe(XDP_TX);
    const inner = ipPacket(t, { payload: Buffer.from('hello') });
    expect(r.out.equals(out(inner, srv6Encap(inner, SRC6, nftBackend(h, state, t))))).toBe(true);
  });

  it('passes to the kernel, unchanged, everything it does not handle', async () => {
    const cases: [string, Buffer][] = [
      ['not a VIP', clientFrame(t4(40000, { dst: '198.51.100.99' }))],
      ['VIP, port without listener (nft drops and counts it)', clientFrame(t4(40000, { dport: 8080 }))],
      ['VIP, UDP port outside the range', clientFrame(t4(40000, { proto: 'udp', dport: 5011 }))],
      ['IPv4 options', clientFrame(t4(40000), { ipv4Options: true })],
      ['IPv4 fragment', clientFrame(t4(40000), { fragment: true })],
      ['ICMP echo reply', icmpFrame(icmpPacket('203.0.113.7', VIP4, 0, 0, Buffer.alloc(8)))],
      ['ICMPv6 echo reply', icmpFrame(icmpPacket('fd00:c::7', VIP6, 129, 0, Buffer.alloc(8)))],
      ['ICMP time exceeded (not forwarded by nft either)', icmpFrame(icmpPacket(ROUTER4, VIP4, 11, 0, reply(t4(40000))))],
      ['ICMP error about an ICMP packet', icmpFrame(icmpPacket(ROUTER4, VIP4, 3, 1, icmpPacket(VIP4, '203.0.113.7', 0, 0, Buffer.alloc(0)).subarray(0, 28)))],
      ['ICMP error embedding IPv4 options', icmpFrame(icmpPacket(ROUTER4, VIP4, 3, 4, ipPacket(reverse(t4(40000)), { ipv4Options: true }).subarray(0, 32), 1400))],
      ['ICMP error cut short before the ports', icmpFrame(icmpPacket(ROUTER4, VIP4, 3, 4, reply(t4(40000)).subarray(0, 22), 1400))],
      ['ICMPv6 error about a packet with an extension header', icmpFrame(icmpPacket(ROUTER6, VIP6, 1, 4, Buffer.concat([reply(t6(50000)).subarray(0, 6), Buffer.from([0]), reply(t6(50000)).subarray(7)])))],
      ['IPv6 hop limit 1 (the kernel answers time exceeded)', clientFrame(t6(50000), { ttl: 1 })],
      ['ARP', ethernet('ff:ff:ff:ff:ff:ff', ROUTER_MAC, 0x0806, Buffer.alloc(28))],
    ];
    for (const [what, frame] of cases) {
      const r = await h.bpf.testRun(frame);
      expect({ what, retval: r.retval, same: r.out.equals(frame) }).toEqual({ what, retval: XDP_PASS, same: true });
    }
  });

  it('keeps a flow on its backend after the table moves it; a SYN never follows or creates an entry', async () => {
    // Find a tuple whose bucket moves when b3 joins (a new table is flipped in).
    const three = labState([labService('web', { backends: [...labService('web').backends, { id: 'b3', address: 'fd00:b::3', weight: 1, enabled: true }] })], { generation: 2 });
    let moved: Tuple | null = null;
    for (let sport = 42000; sport < 42200 && !moved; sport++) if (nftBackend(h, state, t4(sport)) !== nftBackend(h, three, t4(sport))) moved = t4(sport);
    expect(moved).not.toBeNull();
    const t = moved as Tuple;
    const before = nftBackend(h, state, t);
    const synOnly = t4(t.sport + 1000); // a tuple that only ever sends SYNs
    expect((await h.bpf.testRun(clientFrame(synOnly, { flags: TCP.SYN }))).retval).toBe(XDP_TX);
    expect((await h.bpf.testRun(clientFrame(t))).retval).toBe(XDP_TX); // first non-SYN: creates the entry
    await h.program(three);
    const inner = ipPacket(t);
    const r = await h.bpf.testRun(clientFrame(t));
    expect(r.out.equals(out(inner, srv6Encap(inner, SRC6, before)))).toBe(true);
    // A SYN of the same tuple (a new connection) takes the new table's backend.
    const syn = ipPacket(t, { flags: TCP.SYN });
    const rs = await h.bpf.testRun(clientFrame(t, { flags: TCP.SYN }));
    expect(rs.out.equals(out(syn, srv6Encap(syn, SRC6, nftBackend(h, three, t))))).toBe(true);
    const flows = await h.bpf.dump('af_flows');
    const srcs = flows.map((f) => f.key.readUInt16BE(32));
    expect(srcs).toContain(t.sport);
    expect(srcs).not.toContain(synOnly.sport);
    await h.program(state);
  });

  it('a flow on a backend that left the live set is re-placed by the hash', async () => {
    const t = t4(43000);
    const first = nftBackend(h, state, t);
    expect((await h.bpf.testRun(clientFrame(t))).retval).toBe(XDP_TX);
    // Remove that backend (no drain): its slot is cleared, the flow entry no longer applies.
    const remaining = labService('web').backends.filter((b) => b.address !== first);
    const s2 = labState([labService('web', { backends: remaining })], { generation: 3 });
    await h.program(s2);
    const inner = ipPacket(t);
    const r = await h.bpf.testRun(clientFrame(t));
    expect(r.out.equals(out(inner, srv6Encap(inner, SRC6, remaining[0].address)))).toBe(true);
    await h.program(state);
  });

  it('client_ip hash mode hashes the source address alone, as nft does', async () => {
    const s = labState([labService('web', { hash_mode: 'client_ip', backends: [1, 2, 3, 4, 5].map((i) => ({ id: `b${i}`, address: `fd00:b::${i}`, weight: 1, enabled: true })) })], { generation: 4 });
    await h.program(s);
    for (const src of ['203.0.113.20', '203.0.113.21', '203.0.113.22', '203.0.113.23']) {
      const t = t4(44000, { src });
      const inner = ipPacket(t, { flags: TCP.SYN });
      const r = await h.bpf.testRun(clientFrame(t, { flags: TCP.SYN }));
      expect(r.out.equals(out(inner, srv6Encap(inner, SRC6, nftBackend(h, s, t, true))))).toBe(true);
    }
    await h.program(state);
  });

  it('ip6ip6 (IPv6 next header 4) and ipip (outer IPv4) encapsulations', async () => {
    const s6 = labState([labService('web', { encapsulation: 'ip6ip6' })], { generation: 5 });
    await h.program(s6);
    const t = t4(45000, { }); 
    let inner = ipPacket(t, { flags: TCP.SYN });
    let r = await h.bpf.testRun(clientFrame(t, { flags: TCP.SYN }));
    expect(r.out.equals(out(inner, ip6Encap(inner, SRC6, nftBackend(h, s6, t))))).toBe(true);

    const s4 = labState([labService('web', { encapsulation: 'ipip', backends: [{ id: 'b1', address: '192.0.2.201', weight: 1, enabled: true }, { id: 'b2', address: '192.0.2.202', weight: 1, enabled: true }] })], { generation: 6 });
    await h.program(s4);
    inner = ipPacket(t, { flags: TCP.SYN, tos: 0x10 });
    r = await h.bpf.testRun(clientFrame(t, { flags: TCP.SYN, tos: 0x10 }));
    expect(r.retval).toBe(XDP_TX);
    expect(r.out.toString('hex')).toBe(out(inner, ipipEncap(inner, SRC4, nftBackend(h, s4, t))).toString('hex'));
    await h.program(state);
  });

  it('a service XDP cannot carry (GUE) and a service without a usable backend are passed to nft', async () => {
    const gue = labState([labService('web', { encapsulation: 'gue', gue_port: 6080 })], { generation: 7 });
    await h.program(gue);
    expect(h.fp.skipped.get('web')).toMatch(/GUE/);
    expect((await h.bpf.testRun(clientFrame(t4(46000)))).retval).toBe(XDP_PASS);
    const none = labState([labService('web', { backends: labService('web').backends.map((b) => ({ ...b, enabled: false })) })], { generation: 8 });
    await h.program(none);
    expect((await h.bpf.testRun(clientFrame(t4(46001)))).retval).toBe(XDP_PASS);
    await h.program(state);
    expect((await h.bpf.testRun(clientFrame(t4(46001)))).retval).toBe(XDP_TX);
  });

  it('counts forwarded packets (layer-3 bytes) per address and backend, under the nft counters\' names; passed packets are nft\'s', async () => {
    const plan = h.plan(state);
    const before = await h.fp.counters();
    const get = (m: Map<string, { bytes: number; packets: number }>, n: string) => m.get(xdpCounterName(n)) ?? { bytes: 0, packets: 0 };
    const want = new Map<string, { bytes: number; packets: number }>();
    const add = (n: string, bytes: number) => { const w = want.get(n) ?? { bytes: 0, packets: 0 }; want.set(n, { bytes: w.bytes + bytes, packets: w.packets + 1 }); };
    const svc = plan.services[0];
    for (const [i, t] of [t4(48000), t4(48001, { proto: 'udp', dport: 5003 }), t6(48002), t4(48003)].entries()) {
      const payload = Buffer.alloc(i * 100 + 1, 0x61);
      const r = await h.bpf.testRun(clientFrame(t, { payload }));
      expect(r.retval).toBe(XDP_TX);
      const l3 = ipPacket(t, { payload }).length;
      add(names.addressCounter(t.dst), l3);
      add(names.backendCounter(svc.backends.find((b) => b.address === nftBackend(h, state, t))!.mark), l3);
    }
    // Passed to the kernel (no listener, an echo reply): counted by nft, not here.
    for (const frame of [clientFrame(t4(48010, { dport: 8080 })), icmpFrame(icmpPacket('203.0.113.7', VIP4, 0, 0, Buffer.alloc(8)))]) expect((await h.bpf.testRun(frame)).retval).toBe(XDP_PASS);
    const after = await h.fp.counters();
    for (const [n, w] of want) {
      const d = { bytes: get(after, n).bytes - get(before, n).bytes, packets: get(after, n).packets - get(before, n).packets };
      expect({ n, ...d }).toEqual({ n, ...w });
    }
    expect([...after.keys()].every((k) => k.startsWith('xdp/'))).toBe(true);
  });

  /** Tuples whose flow and whose error, hashed without the swap, land on different backends: a missing swap cannot pass unseen. */
  const swapMatters = (mk: (sport: number) => Tuple, from: number) => {
    const out: Tuple[] = [];
    for (let sport = from; out.length < 4; sport++) if (nftBackend(h, state, mk(sport)) !== nftBackend(h, state, reverse(mk(sport)))) out.push(mk(sport));
    return out;
  };

  it('ICMP errors (fragmentation needed, port unreachable, packet too big) go to the backend of the flow they name: embedded tuple swapped', async () => {
    const cases: [Tuple, Buffer][] = [
      ...swapMatters((p) => t4(p), 51000).map((t): [Tuple, Buffer] => [t, icmpPacket(ROUTER4, VIP4, 3, 4, reply(t), 1400)]),
      ...swapMatters((p) => t4(p, { proto: 'udp', dport: 5004 }), 51100).map((t): [Tuple, Buffer] => [t, icmpPacket(ROUTER4, VIP4, 3, 3, reply(t))]),
      ...swapMatters((p) => t6(p), 51200).map((t): [Tuple, Buffer] => [t, icmpPacket(ROUTER6, VIP6, 2, 0, reply(t), 1280)]),
      ...swapMatters((p) => t6(p, { proto: 'udp', dport: 5009 }), 51300).map((t): [Tuple, Buffer] => [t, icmpPacket(ROUTER6, VIP6, 1, 4, reply(t))]),
    ];
    for (const [t, icmp] of cases) {
      const r = await h.bpf.testRun(icmpFrame(icmp));
      expect({ t, retval: r.retval }).toEqual({ t, retval: XDP_TX });
      expect({ t, out: r.out.toString('hex') }).toEqual({ t, out: out(icmp, srv6Encap(icmp, SRC6, nftBackend(h, state, t))).toString('hex') });
    }
  });

  it('an ICMP error follows the flow table first (a flow kept on its backend after the table moved), neither refreshing nor creating entries', async () => {
    const three = labState([labService('web', { backends: [...labService('web').backends, { id: 'b3', address: 'fd00:b::3', weight: 1, enabled: true }] })], { generation: 9 });
    const moved = (mk: (sport: number) => Tuple, from: number) => {
      for (let sport = from; sport < from + 300; sport++) if (nftBackend(h, state, mk(sport)) !== nftBackend(h, three, mk(sport))) return mk(sport);
      throw new Error('no tuple moves');
    };
    const kept = [moved((p) => t4(p), 52000), moved((p) => t6(p), 52000)];
    const fresh = [moved((p) => t4(p), 52400), moved((p) => t6(p), 52400)];
    for (const t of kept) expect((await h.bpf.testRun(clientFrame(t))).retval).toBe(XDP_TX); // creates the entry
    const flowsBefore = (await h.bpf.dump('af_flows')).length;
    await h.program(three);
    const error = (t: Tuple) => (t.src.includes(':') ? icmpPacket(ROUTER6, VIP6, 2, 0, reply(t), 1280) : icmpPacket(ROUTER4, VIP4, 3, 4, reply(t), 1400));
    for (const [t, want] of [...kept.map((t) => [t, nftBackend(h, state, t)] as const), ...fresh.map((t) => [t, nftBackend(h, three, t)] as const)]) {
      const icmp = error(t);
      const r = await h.bpf.testRun(icmpFrame(icmp));
      expect({ t, out: r.out.toString('hex') }).toEqual({ t, out: out(icmp, srv6Encap(icmp, SRC6, want)).toString('hex') });
    }
    expect((await h.bpf.dump('af_flows')).length).toBe(flowsBefore);
    await h.program(state);
  });

  it('ICMP echo requests are placed by the client\'s address alone (as nft: jhash saddr), also in five_tuple mode', async () => {
    const seen = new Set<string>();
    for (const src of ['203.0.113.30', '203.0.113.31', '203.0.113.32', '203.0.113.33', 'fd00:c::30', 'fd00:c::31', 'fd00:c::32', 'fd00:c::33']) {
      const t: Tuple = { src, dst: src.includes(':') ? VIP6 : VIP4, sport: 0, dport: 0, proto: 'icmp' };
      const icmp = icmpPacket(src, t.dst, src.includes(':') ? 128 : 8, 0, Buffer.from('0001000268656c6c6f', 'hex'));
      const r = await h.bpf.testRun(icmpFrame(icmp));
      const want = nftBackend(h, state, t, true);
      seen.add(want);
      expect({ src, retval: r.retval, out: r.out.toString('hex') }).toEqual({ src, retval: XDP_TX, out: out(icmp, srv6Encap(icmp, SRC6, want)).toString('hex') });
    }
    expect(seen.size).toBe(2);
  });

  it('negative control: with the VIP entry removed from the map the same packet passes', async () => {
    const frame = clientFrame(t4(47000));
    expect((await h.bpf.testRun(frame)).retval).toBe(XDP_TX);
    await h.bpf.batch([{ map: 'af_vips', key: (await import('./layout')).vipKey('198.51.100.10') }]);
    expect((await h.bpf.testRun(frame)).retval).toBe(XDP_PASS);
  });
});
