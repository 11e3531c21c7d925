/**
 * Lab: delivery through the real edge agents (a), listener filtering (f), traffic counters (g),
 * and 50 MB transfers in both directions through the SRv6 tunnel (h).
 */
import { anycastAll, anycastV4, anycastV6, backends, clients, edges, UNCONFIGURED_PORT, urlHost } from './topology';
import { runLoad } from './loadgen-client';
import { linkCounters } from './netns';
import { nsRun, waitFor } from './exec';
import { backendUdpDatagrams } from './lab';
import { fleetMetric, useLab } from './testing/fixture';

jest.setTimeout(120_000);
const lab = useLab();

describe('lab: delivery', () => {
  it('(a) every client reaches the service on every anycast address (IPv4 and IPv6), and the backend sees the real client address', async () => {
    expect(lab().service.anycast).toEqual(anycastAll);
    for (const c of clients) {
      for (const address of anycastAll) {
        const results = await runLoad(c.name, { kind: 'whoami', host: address, count: 20, concurrency: 5 });
        for (const r of results) {
          expect(r).toMatchObject({ ok: true, client: address.includes(':') ? c.link.peerV6 : c.link.peerV4 });
          expect(backends.map((b) => b.name)).toContain(r.backend);
        }
      }
    }
  });

  it('(a) replies go from the backend straight to the client (DSR), never back through an edge', async () => {
    const size = 8_000_000;
    const edgeBefore = await Promise.all(edges.map((e) => linkCounters(e.ns, e.link.peerIf)));
    const beBefore = await Promise.all(backends.map((b) => linkCounters(b.ns, b.link.peerIf)));
    const [r] = await runLoad('client1', { kind: 'download', host: anycastV4[0], bytes: size, count: 1 });
    expect(r).toMatchObject({ ok: true, bytes: size });
    const edgeAfter = await Promise.all(edges.map((e) => linkCounters(e.ns, e.link.peerIf)));
    const beAfter = await Promise.all(backends.map((b) => linkCounters(b.ns, b.link.peerIf)));
    // Backends sent the reply out of their own link to the router ...
    const backendTx = beAfter.reduce((s, c, i) => s + c.txBytes - beBefore[i].txBytes, 0);
    expect(backendTx).toBeGreaterThan(size);
    // ... while the edges only carried the client's requests and ACKs (a few % of the reply), in and out.
    const edgeBytes = edgeAfter.reduce((s, c, i) => s + (c.rxBytes - edgeBefore[i].rxBytes) + (c.txBytes - edgeBefore[i].txBytes), 0);
    expect(edgeBytes).toBeLessThan(size / 4);
  });

  it("(a) the tunnel's outer source is the edge's own address, never the client's", async () => {
    // Count, on every backend, the SRv6 packets (next header 43: routing) addressed to it, by outer source.
    const edgeSources = edges.map((e) => e.link.peerV6).join(', ');
    const table = 'afcheck_outer';
    for (const b of backends) {
      await nsRun(b.ns, 'nft', ['-f', '-'], {
        input: `table ip6 ${table} {
  counter from_edges {}
  counter from_others {}
  chain pre {
    type filter hook prerouting priority -400;
    ip6 daddr ${b.link.peerV6} ip6 nexthdr 43 ip6 saddr { ${edgeSources} } counter name "from_edges"
    ip6 daddr ${b.link.peerV6} ip6 nexthdr 43 ip6 saddr != { ${edgeSources} } counter name "from_others"
  }
}
`,
      });
    }
    const packets = async (ns: string, name: string): Promise<number> => {
      const out = await nsRun(ns, 'nft', ['-j', 'list', 'counter', 'ip6', table, name]);
      const obj = JSON.parse(out.stdout).nftables.find((o: { counter?: { packets: number } }) => o.counter);
      return obj.counter.packets as number;
    };
    try {
      for (const c of clients) {
        for (const address of anycastAll) {
          const results = await runLoad(c.name, { kind: 'whoami', host: address, count: 10, concurrency: 5 });
          expect(results.every((r) => r.ok)).toBe(true);
        }
      }
      let fromEdges = 0;
      for (const b of backends) {
        fromEdges += await packets(b.ns, 'from_edges');
        expect(await packets(b.ns, 'from_others')).toBe(0);
      }
      // 2 clients x 3 addresses x 10 requests, several packets each, all from edge addresses.
      expect(fromEdges).toBeGreaterThanOrEqual(60);
    } finally {
      for (const b of backends) await nsRun(b.ns, 'nft', ['delete', 'table', 'ip6', table], { allowFail: true });
    }
  });

  it('(f) a port without a listener gets nothing through, and the drop is counted', async () => {
    const droppedBefore = await fleetMetric('anyfront_agent_listener_dropped_packets', { address: anycastV4[0] });
    // Every backend listens on this port too, so any packet the edge let through would connect.
    for (const address of [anycastV4[0], anycastV6[0]]) {
      const res = await nsRun('af-client1', 'curl', ['-sSg', '-m', '3', `http://${urlHost(address)}:${UNCONFIGURED_PORT}/whoami`], { allowFail: true });
      expect(res.code).not.toBe(0);
    }
    const direct = await nsRun('af-client1', 'curl', ['-sf', '-m', '3', `http://${backends[0].link.peerV4}:${UNCONFIGURED_PORT}/whoami`], { allowFail: true });
    expect(direct.code).toBe(0); // the backend does answer on that port when reached directly
    const droppedAfter = await fleetMetric('anyfront_agent_listener_dropped_packets', { address: anycastV4[0] });
    expect(droppedAfter).toBeGreaterThan(droppedBefore);
  });

  it('(f) a protocol without a listener (UDP to the TCP listener port) gets nothing through', async () => {
    const before = await backendUdpDatagrams();
    const droppedBefore = await fleetMetric('anyfront_agent_listener_dropped_packets', { address: anycastV4[0] });
    const sent = await runLoad('client1', { kind: 'udp', host: anycastV4[0], port: 80, count: 5 });
    expect(sent.every((r) => r.ok)).toBe(true);
    // Control: a datagram sent to a backend's unicast address does arrive.
    await runLoad('client1', { kind: 'udp', host: backends[0].link.peerV4, port: 80, count: 1 });
    // Once the control datagram (sent last) has arrived, the earlier ones would have too.
    const after = await waitFor('control datagram at be1', async () => {
      const now = await backendUdpDatagrams();
      return now[backends[0].name] > before[backends[0].name] ? now : undefined;
    }, 5000);
    const droppedAfter = await fleetMetric('anyfront_agent_listener_dropped_packets', { address: anycastV4[0] });
    expect(droppedAfter - droppedBefore).toBeGreaterThanOrEqual(5);
    expect(after[backends[0].name] - before[backends[0].name]).toBe(1);
    for (const b of backends.slice(1)) expect(after[b.name]).toBe(before[b.name]);
  });

  it('(g) the bytes the agents count for an address match what the client sent, within header overhead', async () => {
    const address = anycastV4[1];
    const size = 6_000_000;
    const before = await fleetMetric('anyfront_agent_address_bytes', { address });
    const [r] = await runLoad('client2', { kind: 'upload', host: address, bytes: size });
    expect(r).toMatchObject({ ok: true, bytes: size });
    const counted = (await fleetMetric('anyfront_agent_address_bytes', { address })) - before;
    // IP + TCP headers of ~1.4 kB segments add ~4 %; the HTTP request line and headers a few hundred bytes.
    expect(counted).toBeGreaterThanOrEqual(size);
    expect(counted).toBeLessThan(size * 1.1);
  });

  it.each([['IPv4', anycastV4[0]], ['IPv6', anycastV6[0]]])('(h) a 50 MB upload and a 50 MB download complete through the tunnel (%s)', async (_family, address) => {
    const size = 50 * 1024 * 1024;
    const [down] = await runLoad('client1', { kind: 'download', host: address, bytes: size, count: 1, timeoutMs: 90_000 });
    expect(down).toMatchObject({ ok: true, bytes: size });
    // Uploads need the backend kit's SYN-ACK MSS clamp: full-size segments would not fit the tunnel.
    const [up] = await runLoad('client1', { kind: 'upload', host: address, bytes: size, timeoutMs: 90_000 });
    expect(up).toMatchObject({ ok: true, bytes: size });
  });
});
