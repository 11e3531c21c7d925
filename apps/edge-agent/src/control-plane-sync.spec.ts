import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentStatusSchema, trafficReportSchema, desiredStateSchema } from '@anyfront/contracts';
import { allocateMarks, buildPlan, emptyAllocation, names, wantedMarkKeys, DataplanePlan } from '@anyfront/dataplane';
import { ControlPlaneClient } from './io/control-plane-client';
import { ControlPlaneSync, SyncHooks } from './control-plane-sync';
import type { CounterValue } from './io/nft-client';
import { trafficDeltas, xdpCounterName } from './reports';

const SVC = '11111111-1111-4111-8111-111111111111';
const B1 = '22222222-2222-4222-8222-222222222222';
const SVC2 = '33333333-3333-4333-8333-333333333333';
const B2 = '33333333-3333-4333-8333-333333333333';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function desired(generation: number) {
  return desiredStateSchema.parse({ version: 1, generation, node: { id: 'n', pop: 'p', tunnel_source_ipv6: 'fd00:1::1' }, hash_seed: 1, pools: [], services: [{
    id: SVC, addresses: [{ address: '198.51.100.10', family: 4 }], listeners: [{ protocol: 'tcp', port_from: 80, port_to: 80 }], hash_mode: 'five_tuple', encapsulation: 'srv6', maglev_table_size: 251,
    backends: [{ id: B1, address: 'fd00:b::1', weight: 1, enabled: true }, { id: B2, address: 'fd00:b::2', weight: 1, enabled: true }],
    health_check: { protocol: 'tcp', port: 80, interval_seconds: 1, timeout_seconds: 1, healthy_threshold: 1, unhealthy_threshold: 1 } }] });
}
function planOf(gen: number, health: (b: string) => boolean | undefined = () => undefined): DataplanePlan {
  const s = desired(gen);
  return buildPlan(s, allocateMarks(emptyAllocation(0x100000, 100), wantedMarkKeys(s)), (_s, b) => health(b), { table: 'anyfront', flowTimeoutSeconds: 1, flowTableSize: 1024, probePortBase: 10000 });
}

/** A fake control plane that validates what it receives with the real contract schemas. */
class FakeApi {
  server: Server;
  desiredGeneration = 3;
  statuses: unknown[] = [];
  traffic: unknown[] = [];
  pulls: (string | undefined)[] = [];
  failTraffic = 0;
  /** Delay of the next status answer (ms): a report still on its way. */
  statusDelayMs = 0;
  auth: string[] = [];
  constructor() {
    this.server = createServer((req, res) => void read(req).then((body) => {
      this.auth.push(req.headers.authorization ?? '');
      if (req.method === 'GET' && req.url === '/v1/agent/desired-state') {
        this.pulls.push(req.headers['if-none-match']);
        if (req.headers['if-none-match'] === `"${this.desiredGeneration}"`) { res.writeHead(304).end(); return; }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(desired(this.desiredGeneration)));
      } else if (req.method === 'POST' && req.url === '/v1/agent/status') {
        this.statuses.push(agentStatusSchema.parse(JSON.parse(body)));
        const delay = this.statusDelayMs;
        this.statusDelayMs = 0;
        if (delay) { setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ desired_generation: this.desiredGeneration })), delay); return; }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ desired_generation: this.desiredGeneration }));
      } else if (req.method === 'POST' && req.url === '/v1/agent/traffic') {
        if (this.failTraffic-- > 0) { res.writeHead(503).end('busy'); return; }
        this.traffic.push(trafficReportSchema.parse(JSON.parse(body)));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: true, duplicate: false }));
      } else res.writeHead(404).end();
    }));
  }
}
const read = (req: IncomingMessage) => new Promise<string>((r) => { let b = ''; req.on('data', (d) => (b += d)); req.on('end', () => r(b)); });

describe('traffic deltas', () => {
  it('reports per-interval deltas, treats a counter that went down as recreated, skips zeros', () => {
    const plan = planOf(1);
    const bk1 = names.backendCounter(plan.services[0].backends[0].mark);
    const addr = names.addressCounter('198.51.100.10');
    const first = trafficDeltas({}, new Map([[addr, { bytes: 100, packets: 2 }], [bk1, { bytes: 90, packets: 2 }]]), plan);
    expect(first.addresses).toEqual([{ address: '198.51.100.10', bytes: 100, packets: 2 }]);
    expect(first.backends).toEqual([{ backend_id: B1, bytes: 90, packets: 2 }]);
    const second = trafficDeltas(first.snapshot, new Map([[addr, { bytes: 150, packets: 3 }], [bk1, { bytes: 90, packets: 2 }]]), plan);
    expect(second.addresses).toEqual([{ address: '198.51.100.10', bytes: 50, packets: 1 }]);
    expect(second.backends).toEqual([]);
    const reset = trafficDeltas(second.snapshot, new Map([[addr, { bytes: 10, packets: 1 }]]), plan);
    expect(reset.addresses).toEqual([{ address: '198.51.100.10', bytes: 10, packets: 1 }]);
  });

  it('adds the XDP fast path\'s counters to the nft ones, each delta against its own last value', () => {
    const plan = planOf(1);
    const bk1 = names.backendCounter(plan.services[0].backends[0].mark);
    const addr = names.addressCounter('198.51.100.10');
    const c = (bytes: number, packets: number) => ({ bytes, packets });
    // nft: what the program passed (a SYN to a closed port, ICMP); XDP: what it forwarded.
    const first = trafficDeltas({}, new Map([[addr, c(100, 2)], [xdpCounterName(addr), c(3000, 3)], [bk1, c(60, 1)], [xdpCounterName(bk1), c(3000, 3)]]), plan);
    expect(first.addresses).toEqual([{ address: '198.51.100.10', bytes: 3100, packets: 5 }]);
    expect(first.backends).toEqual([{ backend_id: B1, bytes: 3060, packets: 4 }]);
    // The fast path switched off: only nft moves; the XDP counters stay (no double count, nothing lost).
    const second = trafficDeltas(first.snapshot, new Map([[addr, c(1100, 4)], [xdpCounterName(addr), c(3000, 3)], [bk1, c(60, 1)], [xdpCounterName(bk1), c(3000, 3)]]), plan);
    expect(second.addresses).toEqual([{ address: '198.51.100.10', bytes: 1000, packets: 2 }]);
    expect(second.backends).toEqual([]);
    // The XDP counter restarted (a map of an older layout replaced): its whole value counts, nft's delta is kept.
    const third = trafficDeltas(second.snapshot, new Map([[addr, c(1150, 5)], [xdpCounterName(addr), c(500, 1)]]), plan);
    expect(third.addresses).toEqual([{ address: '198.51.100.10', bytes: 550, packets: 2 }]);
    // A failed XDP read leaves its counters out: the next read reports what it missed.
    const missed = trafficDeltas(third.snapshot, new Map([[addr, c(1150, 5)]]), plan);
    expect(missed.addresses).toEqual([]);
    const caught = trafficDeltas({ ...third.snapshot, ...missed.snapshot }, new Map([[addr, c(1150, 5)], [xdpCounterName(addr), c(800, 2)]]), plan);
    expect(caught.addresses).toEqual([{ address: '198.51.100.10', bytes: 300, packets: 1 }]);
  });
});

describe('control-plane sync', () => {
  let api: FakeApi;
  let dir: string;
  let generation: number;
  let counters: Map<string, CounterValue>;
  let plan: DataplanePlan;
  const submitted: number[] = [];
  let sync: ControlPlaneSync;
  let clock: Date;

  beforeEach(async () => {
    api = new FakeApi();
    await new Promise<void>((r) => api.server.listen(0, '127.0.0.1', () => r()));
    dir = mkdtempSync(join(tmpdir(), 'afd-sync-'));
    generation = 1;
    plan = planOf(1, (b) => (b === B1 ? true : undefined));
    counters = new Map();
    clock = new Date('2026-11-26T12:00:00Z');
    const hooks: SyncHooks = {
      generation: () => generation,
      submit: async (raw) => { const s = desiredStateSchema.parse(raw); submitted.push(s.generation); generation = s.generation; return { status: 200, applied: true, generation }; },
      status: () => ({
        announced: true, drained: false, programmed: true, lastError: null, plan,
        capabilities: { seg6: true, ipip: false, sit: false, ip6tnl: false, fou: false, nft: true },
        // Only control-plane (UUID) ids are reported.
        failedServices: new Map([[SVC2, 'encapsulation ipip needs the ipip tunnel module'], ['lab-only', 'x']]),
      }),
      readCounters: async () => counters,
    };
    const url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    sync = new ControlPlaneSync(new ControlPlaneClient(url, 'afn_secret'), hooks, { stateDir: dir, pullSeconds: 3600, statusSeconds: 3600, trafficSeconds: 60 }, silent, () => clock);
  });
  afterEach(async () => {
    sync.stop();
    await new Promise<void>((r) => api.server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('pulls a newer desired state with the node credential and then answers 304 until something changes', async () => {
    await sync.pull();
    expect(submitted.at(-1)).toBe(3);
    expect(api.pulls).toEqual(['"1"']);
    expect(api.auth.every((a) => a === 'Bearer afn_secret')).toBe(true);
    await expect(sync.pull()).resolves.toBeNull();
    expect(api.pulls.at(-1)).toBe('"3"');
  });

  it('reports status in the contract shape (known health only) and pulls when the control plane has a newer generation', async () => {
    generation = 3;
    await sync.reportStatus();
    expect(api.statuses[0]).toEqual({
      applied_generation: 3, announced: true, drained: false, programmed: true, last_error: null, services: [{ id: SVC, backends: [{ id: B1, healthy: true }] }],
      capabilities: { seg6: true, ipip: false, sit: false, ip6tnl: false, fou: false, nft: true },
      failed_services: [{ id: SVC2, reason: 'encapsulation ipip needs the ipip tunnel module' }],
    });
    api.desiredGeneration = 4;
    await sync.reportStatus();
    expect(generation).toBe(4);
  });

  it('sends a report asked for while one is on its way when that one returns (the one on its way predates the apply)', async () => {
    // Control: without the follow-up the second call returns at once and the API only ever hears generation 3.
    generation = 3;
    api.statusDelayMs = 200;
    const first = sync.reportStatus();
    await new Promise((r) => setTimeout(r, 50));
    generation = 4; // an apply finished meanwhile and asks for a report
    api.desiredGeneration = 4;
    await sync.reportStatus();
    await first;
    expect(api.statuses.map((x) => (x as { applied_generation: number }).applied_generation)).toEqual([3, 4]);
  });

  it('numbers traffic reports, persists the sequence, and resends an unacknowledged report with the same sequence', async () => {
    const addr = names.addressCounter('198.51.100.10');
    counters = new Map([[addr, { bytes: 1000, packets: 10 }]]);
    await sync.reportTraffic();
    expect(api.traffic).toEqual([expect.objectContaining({ sequence: 0, addresses: [{ address: '198.51.100.10', bytes: 1000, packets: 10 }], interval_seconds: 60, interval_start: '2026-11-26T11:59:00.000Z' })]);
    api.failTraffic = 1;
    counters = new Map([[addr, { bytes: 1500, packets: 15 }]]);
    clock = new Date('2026-11-26T12:01:00Z');
    await sync.reportTraffic(); // refused: kept as pending, numbered 1
    expect(JSON.parse(readFileSync(join(dir, 'traffic.json'), 'utf8')).pending.sequence).toBe(1);
    counters = new Map([[addr, { bytes: 1600, packets: 16 }]]);
    clock = new Date('2026-11-26T12:02:00Z');
    await sync.reportTraffic();
    expect(api.traffic.map((t) => (t as { sequence: number }).sequence)).toEqual([0, 1, 2]);
    expect(api.traffic[1]).toMatchObject({ interval_start: '2026-11-26T12:00:00.000Z', addresses: [{ bytes: 500, packets: 5 }] });
    expect(api.traffic[2]).toMatchObject({ interval_start: '2026-11-26T12:01:00.000Z', addresses: [{ bytes: 100, packets: 1 }] });
  });
});
