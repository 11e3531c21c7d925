/**
 * Lab (e): an operator drains an edge, and (separately) an edge dies. Either way the router stops
 * using it and the connections it was carrying continue through the other edge.
 */
import { anycastV4, edges } from './topology';
import { FlowResult, startLoad } from './loadgen-client';
import { agentStatus } from './agent';
import { agentPost, readLab, waitForRouterPath } from './lab';
import { isAlive, waitFor } from './exec';
import { readPidFile } from './processes';
import { useLab } from './testing/fixture';

jest.setTimeout(180_000);
const lab = useLab();

const BYTES = 1_800_000;
/** 20 long downloads from both clients; resolves once all are established, with their results promise. */
/** Resolves once the downloads are running; `done` settles when they end (an async function would flatten it). */
async function longDownloads(): Promise<{ done: Promise<FlowResult[]> }> {
  const loads = [
    startLoad('client1', { kind: 'download', host: anycastV4[0], bytes: BYTES, rate: 300_000, count: 10, timeoutMs: 30_000 }),
    startLoad('client2', { kind: 'download', host: anycastV4[1], bytes: BYTES, rate: 300_000, count: 10, timeoutMs: 30_000 }),
  ];
  await Promise.all(loads.map((l) => l.started));
  return { done: Promise.all(loads.map((l) => l.done)).then((r) => r.flat()) };
}

describe('lab: edge drain and edge death', () => {
  it('(e) a drained edge is withdrawn by the router; running connections survive', async () => {
    await waitForRouterPath(['edge1', 'edge2']);
    const running = await longDownloads();
    const r = await agentPost('edge1', '/v1/drain');
    expect(r.status).toBe(200);
    await waitForRouterPath(['edge2'], 10_000);
    const s = await agentStatus(edges[0]);
    expect(s).toMatchObject({ drained: true, announced: false });
    const results = await running.done;
    expect(results.filter((x) => !x.ok)).toEqual([]);

    expect((await agentPost('edge1', '/v1/undrain')).status).toBe(200);
    await waitForRouterPath(['edge1', 'edge2'], 15_000);
  });

  it('(e) an edge whose agent and BIRD die is dropped after the hold time; running connections survive', async () => {
    const edge1 = lab().edges.find((e) => e.name === 'edge1')!;
    const agentPid = readLab().edges.find((e) => e.name === 'edge1')!.agent.pid;
    const birdPid = readPidFile(edge1.bird.pid_file);
    expect(isAlive(agentPid)).toBe(true);
    expect(birdPid && isAlive(birdPid)).toBe(true);

    const running = await longDownloads();
    // A silent death: no withdrawal is sent, the router must notice by the BGP hold time (3 s).
    process.kill(agentPid, 'SIGKILL');
    process.kill(birdPid!, 'SIGKILL');
    await waitFor('edge1 processes gone', async () => !isAlive(agentPid) && !isAlive(birdPid), 5000);
    await waitForRouterPath(['edge2'], 3000 + 5000);
    const results = await running.done;
    expect(results.filter((x) => !x.ok)).toEqual([]);
  });
});
