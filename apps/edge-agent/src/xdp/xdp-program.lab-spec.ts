/**
 * BPF_PROG_TEST_RUN tests of the XDP fast path (apps/edge-agent/xdp): crafted frames in, the
 * program's verdict and bytes out, with the maps programmed by the agent's own XdpFastPath from a
 * real desired state. Needs root (bpffs, BPF), no network namespace; runs in about a second.
 * The expected encapsulations are built independently (packets.ts: the kernel's seg6 encap and
 * forwarding hop), and the expected backend is the bucket nft's `jhash ... mod M seed S` picks
 * (nftBucket), so an XDP edge and an nft edge agree on every flow.
 */
import { existsSync } from 'node:fs';
import { nftBucket } from './layout';
import { clientFrame, ethernet, ip6Encap, ipipEncap, ipPacket, srv6Encap, TCP, Tuple } from './packets';
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
      ['ICMP', clientFrame(t4(0, { proto: 'icmp', dport: 0 }))],
      ['ICMPv6', clientFrame(t6(0, { proto: 'icmp', dport: 0 }))],
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

  it('negative control: with the VIP entry removed from the map the same packet passes', async () => {
    const frame = clientFrame(t4(47000));
    expect((await h.bpf.testRun(frame)).retval).toBe(XDP_TX);
    await h.bpf.batch([{ map: 'af_vips', key: (await import('./layout')).vipKey('198.51.100.10') }]);
    expect((await h.bpf.testRun(frame)).retval).toBe(XDP_PASS);
  });
});
