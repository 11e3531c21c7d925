/**
 * Lab (issue 9 §3): a spoofed SYN flood cannot fill the edges' flow tables.
 *
 * The edges get a small flow table (4096 entries) and a low flood rate, and the service starts with
 * be1 and be2. While a bounded SYN flood with spoofed sources (198.51.100.0/24, 203.0.113.0/24,
 * lab addresses only) runs from client1, 24 rate-limited downloads start (their flow entries are
 * created under the flood), the router's path moves to each edge alone (each learns every flow),
 * be3 is added — which moves about a third of Maglev's buckets — and the path moves again. Every
 * download must finish byte-exact: the flow tables keep each on its backend.
 *
 * Negative control (run by hand once, renderer of main before this change put back): every packet,
 * SYNs included, created a 300 s entry, the flood filled both tables within a second, the downloads
 * got no entries, and the flows whose buckets moved to be3 were reset (see BENCHMARKS.md, flow table).
 */
import { join } from 'node:path';
import { anycastV4, backends, clients, edges } from './topology';
import { FlowResult, startLoad } from './loadgen-client';
import { agentMetrics, agentStatus } from './agent';
import { nextGeneration, pushDesiredState, setRouterPath } from './lab';
import { composeDesiredState } from './desired';
import { nsRun, waitFor } from './exec';
import { PROCS_DIR } from './paths';
import { metricSum, useLab } from './testing/fixture';

jest.setTimeout(180_000);
const FLOW_TABLE_SIZE = 4096;
useLab({ agentConfig: { flow_table_size: FLOW_TABLE_SIZE, flood_new_flows_per_second: 2000 } });

async function pushToFleet(without: string[]): Promise<void> {
  const generation = nextGeneration();
  for (const e of edges) expect((await pushDesiredState(e.name, composeDesiredState({ edge: e, generation, backends, without }))).status).toBe(200);
  for (const e of edges) await waitFor(`${e.name} applied ${generation}`, async () => (await agentStatus(e)).applied_generation === generation);
}

const fleetMetric = async (name: string) => (await Promise.all(edges.map(async (e) => metricSum(await agentMetrics(e), name)))).reduce((a, b) => a + b, 0);

describe('lab: flow table under a SYN flood', () => {
  it('every download started during a spoofed SYN flood survives route moves and a new backend, byte-exact', async () => {
    await pushToFleet(['be3']);
    const synBefore = await fleetMetric('anyfront_agent_syn_over_rate_packets');
    const fullBefore = await fleetMetric('anyfront_agent_flow_table_full_packets');

    // ~4 s x 15000/s spoofed SYNs: several times both tables' size.
    const flood = nsRun(clients[0].ns, 'python3', [join(PROCS_DIR, 'syn-flood.py'), anycastV4[0], '80', '4', '15000', ...clients.map((c) => c.link.peerV4)]);
    await new Promise((r) => setTimeout(r, 800));
    const BYTES = 2_000_000;
    const job = { kind: 'download' as const, bytes: BYTES, rate: 250_000, count: 12, timeoutMs: 40_000 };
    const loads = [startLoad('client1', { ...job, host: anycastV4[0] }), startLoad('client2', { ...job, host: anycastV4[1] })];
    const running = Promise.all(loads.map((l) => l.done));
    await Promise.all(loads.map((l) => l.started));

    let results: FlowResult[] = [];
    try {
      await setRouterPath(['edge1']);
      await setRouterPath(['edge2']);
      await pushToFleet([]);
      await setRouterPath(['edge1']);
      await setRouterPath(edges.map((e) => e.name));
      results = (await running).flat();
    } finally {
      await setRouterPath(edges.map((e) => e.name));
    }
    const sent = Number((await flood).stdout.trim());

    expect(results).toHaveLength(24);
    expect(results.filter((r) => !r.ok || r.bytes !== BYTES)).toEqual([]);
    // The downloads were spread over the backends the change moved buckets between.
    expect(new Set(results.map((r) => r.backend)).size).toBeGreaterThan(1);
    // The flood was real: more SYNs than both tables hold, and the edges saw them as a flood ...
    expect(sent).toBeGreaterThan(4 * FLOW_TABLE_SIZE);
    expect(await fleetMetric('anyfront_agent_syn_over_rate_packets') - synBefore).toBeGreaterThan(0);
    // ... yet never filled a table.
    expect(await fleetMetric('anyfront_agent_flow_table_full_packets') - fullBefore).toBe(0);
  });
});
