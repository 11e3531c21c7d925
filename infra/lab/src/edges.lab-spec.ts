/**
 * Lab (e): an operator drains an edge; its agent hangs (SIGSTOP) or dies (SIGKILL) while its BIRD
 * runs on; the whole edge dies. Every time the router stops using it and the connections it was
 * carrying continue through the other edge. The agent cases are the BIRD watchdog's (issue 9 §6):
 * each has its negative control in the same test (the watchdog frozen too: nothing is withdrawn).
 */
import { anycastV4, edges } from './topology';
import { FlowResult, startLoad } from './loadgen-client';
import { agentStatus } from './agent';
import { agentPost, readLab, restartLabAgent, routerPathIs, routerBirdPaths, waitForRouterPath, watchdogPid } from './lab';
import { bgpStates } from './router-bird';
import { pause } from './testing/fixture';
import { isAlive, waitFor } from './exec';
import { readPidFile } from './processes';
import { useLab } from './testing/fixture';

jest.setTimeout(180_000);
const lab = useLab();

const BYTES = 1_800_000;
/** 20 long downloads from both clients; resolves once all are established, with their results promise. */
/** Resolves once the downloads are running; `done` settles when they end (an async function would flatten it). */
async function longDownloads(rate = 300_000): Promise<{ done: Promise<FlowResult[]> }> {
  const loads = [
    startLoad('client1', { kind: 'download', host: anycastV4[0], bytes: BYTES, rate, count: 10, timeoutMs: 40_000 }),
    startLoad('client2', { kind: 'download', host: anycastV4[1], bytes: BYTES, rate, count: 10, timeoutMs: 40_000 }),
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

  const edge1Agent = () => readLab().edges.find((e) => e.name === 'edge1')!.agent.pid;
  /** Longer than the lab's 3 s watchdog timeout: what a control waits to see that nothing was withdrawn. */
  const CONTROL_WAIT_MS = 5000;

  it('(e) a hung agent (SIGSTOP) is withdrawn by its BIRD watchdog; running connections survive; control: watchdog frozen too, nothing is withdrawn', async () => {
    await waitForRouterPath(['edge1', 'edge2']);
    const agentPid = edge1Agent();
    const dog = watchdogPid('edge1');
    expect(dog).toBeDefined();
    const running = await longDownloads(130_000); // ~14 s: through the control, the withdrawal and the return
    process.kill(dog!, 'SIGSTOP');
    process.kill(agentPid, 'SIGSTOP');
    try {
      // Negative control: the agent is silent but its BIRD is fine (BGP and BFD up), so only the watchdog can withdraw.
      await pause(CONTROL_WAIT_MS);
      expect(await routerPathIs(['edge1', 'edge2'])).toBe(true);
      process.kill(dog!, 'SIGCONT');
      await waitForRouterPath(['edge2'], 5000);
      expect((await bgpStates(routerBirdPaths().socket)).edge1).toBe('Established'); // a withdrawal, not a lost session
    } finally {
      process.kill(dog!, 'SIGCONT');
      process.kill(agentPid, 'SIGCONT');
    }
    // Running again, the agent finds the watchdog's marker and announces again.
    await waitForRouterPath(['edge1', 'edge2'], 10_000);
    const results = await running.done;
    expect(results.filter((x) => !x.ok)).toEqual([]);
    for (const r of results) expect(r.bytes).toBe(BYTES);
  });

  it('(e) an agent killed with SIGKILL while its BIRD runs on is withdrawn by the watchdog; running connections survive; control: watchdog frozen, nothing is withdrawn', async () => {
    await waitForRouterPath(['edge1', 'edge2']);
    const agentPid = edge1Agent();
    const birdPid = readPidFile(lab().edges.find((e) => e.name === 'edge1')!.bird.pid_file);
    const dog = watchdogPid('edge1');
    expect(dog).toBeDefined();
    const running = await longDownloads(150_000);
    process.kill(dog!, 'SIGSTOP');
    try {
      process.kill(agentPid, 'SIGKILL');
      await waitFor('edge1 agent gone', async () => !isAlive(agentPid), 5000);
      // Negative control: BIRD outlives the agent and keeps announcing.
      await pause(CONTROL_WAIT_MS);
      expect(isAlive(birdPid)).toBe(true);
      expect(await routerPathIs(['edge1', 'edge2'])).toBe(true);
    } finally {
      process.kill(dog!, 'SIGCONT');
    }
    await waitForRouterPath(['edge2'], 5000);
    expect(isAlive(birdPid)).toBe(true);
    const results = await running.done;
    expect(results.filter((x) => !x.ok)).toEqual([]);
    for (const r of results) expect(r.bytes).toBe(BYTES);
    // A new agent replaces the orphaned BIRD (and with it its watchdog) and announces again.
    await restartLabAgent('edge1');
    await waitForRouterPath(['edge1', 'edge2'], 15_000);
    expect(isAlive(birdPid)).toBe(false);
    await waitFor('the old watchdog exits with its BIRD', async () => !isAlive(dog), 5000);
  });

  it('(e) an edge whose agent and BIRD die is dropped by BFD, well before the 9 s hold time; running connections survive', async () => {
    const edge1 = lab().edges.find((e) => e.name === 'edge1')!;
    const agentPid = readLab().edges.find((e) => e.name === 'edge1')!.agent.pid;
    const birdPid = readPidFile(edge1.bird.pid_file);
    expect(isAlive(agentPid)).toBe(true);
    expect(birdPid && isAlive(birdPid)).toBe(true);

    const running = await longDownloads();
    // A silent death: no withdrawal is sent; BFD (300 ms) notices, the 9 s hold time would be too late for this wait.
    process.kill(agentPid, 'SIGKILL');
    process.kill(birdPid!, 'SIGKILL');
    await waitFor('edge1 processes gone', async () => !isAlive(agentPid) && !isAlive(birdPid), 5000);
    await waitForRouterPath(['edge2'], 6000);
    const results = await running.done;
    expect(results.filter((x) => !x.ok)).toEqual([]);
  });
});
