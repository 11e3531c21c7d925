/**
 * Lab (b): the property Anyfront rests on. While long downloads run, the router's path for the
 * pools moves between the edges several times; because both edges hash every flow to the same
 * backend, no connection notices. With different hash seeds on the two edges the same moves
 * must break connections - proving the test can fail.
 */
import { anycastV4, anycastV6, backends, edges, FLEET_SEED } from './topology';
import { FlowResult, startLoad } from './loadgen-client';
import { agentStatus } from './agent';
import { nextGeneration, pushDesiredState, setRouterPath } from './lab';
import { composeDesiredState } from './desired';
import { waitFor } from './exec';
import { metricSum, pause, useLab } from './testing/fixture';
import { agentMetrics } from './agent';

jest.setTimeout(180_000);
useLab();

const FLOWS_PER_CLIENT = 12;
const BYTES = 4_200_000;
// bytes/s: each download lasts ~14 s, so it spans all four flips even when a router path change
// takes a few seconds (BIRD reconfigures with BFD sessions on the lab router)
const RATE = 300_000;
const FLIPS: string[][] = [['edge1'], ['edge2'], ['edge1'], ['edge2']];

async function downloadsDuringFlips(): Promise<{ results: FlowResult[]; movedBytes: number[] }> {
  const job = { kind: 'download' as const, bytes: BYTES, rate: RATE, count: FLOWS_PER_CLIENT, timeoutMs: 45_000 };
  const loads = [
    startLoad('client1', { ...job, host: anycastV4[0] }),
    startLoad('client2', { ...job, host: anycastV4[1] }),
    startLoad('client2', { ...job, count: 6, host: anycastV6[0] }),
  ];
  const running = Promise.all(loads.map((l) => l.done));
  const movedBytes: number[] = [];
  await Promise.all(loads.map((l) => l.started)); // every connection established before the first move
  for (const path of FLIPS) {
    await setRouterPath(path);
    const edge = edges.find((e) => e.name === path[0])!;
    const before = metricSum(await agentMetrics(edge), 'anyfront_agent_address_bytes');
    await pause(1200);
    // Bytes the now-selected edge forwarded while it carried the pools alone.
    movedBytes.push(metricSum(await agentMetrics(edge), 'anyfront_agent_address_bytes') - before);
  }
  await setRouterPath(edges.map((e) => e.name));
  return { results: (await running).flat(), movedBytes };
}

describe('lab: route flips between edges', () => {
  it('(b) with one fleet seed, 30 long downloads (IPv4 and IPv6) survive four path moves both ways', async () => {
    const { results, movedBytes } = await downloadsDuringFlips();
    expect(results).toHaveLength(2 * FLOWS_PER_CLIENT + 6);
    const failed = results.filter((r) => !r.ok);
    expect(failed).toEqual([]);
    for (const r of results) expect(r.bytes).toBe(BYTES);
    // The moves were real: each edge forwarded client traffic while it was the only path.
    for (const b of movedBytes) expect(b).toBeGreaterThan(0);
    expect(new Set(results.map((r) => r.backend)).size).toBeGreaterThan(1);
  });

  it('(b) with different hash seeds on the edges, the same moves break connections', async () => {
    const generation = nextGeneration();
    const reply = await pushDesiredState('edge2', composeDesiredState({ edge: edges[1], generation, backends, hashSeed: FLEET_SEED ^ 0x0badf00d }));
    expect(reply.status).toBe(200);
    await waitFor('edge2 applied the other seed', async () => (await agentStatus(edges[1])).applied_generation === generation);
    try {
      const { results } = await downloadsDuringFlips();
      const failed = results.filter((r) => !r.ok);
      expect(failed.length).toBeGreaterThan(0);
    } finally {
      const g = nextGeneration();
      await pushDesiredState('edge2', composeDesiredState({ edge: edges[1], generation: g, backends }));
      await waitFor('edge2 back on the fleet seed', async () => (await agentStatus(edges[1])).applied_generation === g);
    }
  });
});
