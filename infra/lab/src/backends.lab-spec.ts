/**
 * Lab: backend removal (c) and backend failure (d).
 */
import { anycastV4, Backend, backends, edges } from './topology';
import { byBackend, FlowResult, runLoad, startLoad } from './loadgen-client';
import { agentStatus } from './agent';
import { nextGeneration, pushDesiredState, setRouterPath, startBackendServer, stopBackendServer } from './lab';
import { composeDesiredState, LAB_HEALTH_CHECK } from './desired';
import { waitFor } from './exec';
import { useLab } from './testing/fixture';

jest.setTimeout(180_000);
useLab();

/** Pushes the same desired state to every edge and waits until all applied it. */
async function pushToFleet(opts: { without?: string[]; list?: Backend[] } = {}): Promise<void> {
  const generation = nextGeneration();
  for (const e of edges) {
    const r = await pushDesiredState(e.name, composeDesiredState({ edge: e, generation, backends: opts.list ?? backends, without: opts.without }));
    expect(r.status).toBe(200);
  }
  for (const e of edges) await waitFor(`${e.name} applied ${generation}`, async () => (await agentStatus(e)).applied_generation === generation);
}

// Fixed client ports, below the ephemeral range so no other connection of the client can hold one.
const PORTS = Array.from({ length: 300 }, (_, i) => 20000 + i);
function mapping(rs: FlowResult[]): Map<number, string> {
  expect(rs.filter((r) => !r.ok)).toEqual([]);
  return new Map(rs.map((r) => [r.localPort!, r.backend!]));
}

describe('lab: backend set changes', () => {
  it('(c) removing a backend moves only its own flows; new flows spread over the rest; running flows stay', async () => {
    // Same 5-tuples before and after, seen by two different edges, so neither edge's flow table
    // remembers them: the "after" mapping is what Maglev computes for the smaller backend set.
    await setRouterPath(['edge1']);
    const before = mapping(await runLoad('client1', { kind: 'whoami', host: anycastV4[0], localPorts: PORTS, concurrency: 20 }));
    expect(before.size).toBe(PORTS.length);
    expect(new Set(before.values())).toEqual(new Set(backends.map((b) => b.name)));

    // Long downloads through edge1 while be2 is removed: its flow table keeps them on their backends.
    const long = startLoad('client2', { kind: 'download', host: anycastV4[0], bytes: 1_500_000, rate: 300_000, count: 12, timeoutMs: 30_000 });
    await long.started;
    await pushToFleet({ without: ['be2'] });
    try {
      const running = await long.done;
      await setRouterPath(['edge2']);
      const after = mapping(await runLoad('client1', { kind: 'whoami', host: anycastV4[0], localPorts: PORTS, concurrency: 20 }));
      expect(after.size).toBe(PORTS.length);

      let kept = 0;
      let stayedOnRemaining = 0;
      for (const [port, was] of before) {
        const now = after.get(port)!;
        expect(now).not.toBe('be2');
        if (was !== 'be2') { kept += 1; if (now === was) stayedOnRemaining += 1; }
      }
      // Maglev moves little more than the removed backend's own buckets (a naive hash mod N moves ~half).
      expect(stayedOnRemaining / kept).toBeGreaterThan(0.9);
      const spread = byBackend([...after].map(([, backend]) => ({ ok: true, backend, ms: 0 })));
      expect(spread.be1).toBeGreaterThan(PORTS.length * 0.3);
      expect(spread.be3).toBeGreaterThan(PORTS.length * 0.3);

      // Connections already running on the remaining backends finished intact.
      const onRemaining = running.filter((r) => r.backend !== 'be2');
      expect(onRemaining.length).toBeGreaterThan(0);
      expect(onRemaining.filter((r) => !r.ok || r.bytes !== 1_500_000)).toEqual([]);
    } finally {
      await pushToFleet();
      await setRouterPath(edges.map((e) => e.name));
    }
  });

  it('(d) a backend whose server stops gets no new flows within interval x threshold; other flows untouched', async () => {
    const long = startLoad('client2', { kind: 'download', host: anycastV4[1], bytes: 1_500_000, rate: 300_000, count: 12, timeoutMs: 30_000 });
    await long.started;
    await stopBackendServer('be3');
    const stopped = Date.now();
    // Health checks run through each edge's tunnel; the bound is interval x unhealthy_threshold + margin.
    const bound = LAB_HEALTH_CHECK.interval_seconds * LAB_HEALTH_CHECK.unhealthy_threshold * 1000 + 4000;
    for (const e of edges) {
      await waitFor(`${e.name} marks be3 unhealthy`, async () => {
        const s = await agentStatus(e);
        return s.services[0].backends.find((b) => b.id === 'be3')?.healthy === false;
      }, Math.max(1000, bound - (Date.now() - stopped)), 100);
    }
    try {
      const fresh = await runLoad('client1', { kind: 'whoami', host: anycastV4[1], count: 150, concurrency: 15 });
      expect(fresh.filter((r) => !r.ok)).toEqual([]);
      const spread = byBackend(fresh);
      expect(spread.be3 ?? 0).toBe(0);
      expect(spread.be1).toBeGreaterThan(150 * 0.25);
      expect(spread.be2).toBeGreaterThan(150 * 0.25);

      const running = await long.done;
      const onOthers = running.filter((r) => r.backend !== 'be3');
      expect(onOthers.length).toBeGreaterThan(0);
      expect(onOthers.filter((r) => !r.ok || r.bytes !== 1_500_000)).toEqual([]);
    } finally {
      await startBackendServer('be3');
      for (const e of edges) {
        await waitFor(`${e.name} marks be3 healthy again`, async () => (await agentStatus(e)).services[0].backends.find((b) => b.id === 'be3')?.healthy === true, 20_000);
      }
    }
  });

  // Issue 9 §7. Control (run once by hand): with backend_drain_seconds 0 the downloads on be3 are
  // reset when it leaves the state (its route goes, its flows are re-hashed onto other backends).
  it('(§7) deleting a backend drains it: downloads running on it finish byte-exact, new flows avoid it', async () => {
    const long = startLoad('client2', { kind: 'download', host: anycastV4[1], bytes: 1_500_000, rate: 300_000, count: 12, timeoutMs: 30_000 });
    await long.started;
    await pushToFleet({ without: ['be3'] });
    try {
      for (const e of edges) expect((await agentStatus(e)).services[0].backends.find((b) => b.id === 'be3')).toMatchObject({ draining: true });
      const fresh = await runLoad('client1', { kind: 'whoami', host: anycastV4[1], count: 60, concurrency: 10 });
      expect(fresh.filter((r) => !r.ok)).toEqual([]);
      expect(byBackend(fresh).be3 ?? 0).toBe(0);
      const running = await long.done;
      expect(running.filter((r) => r.backend === 'be3').length).toBeGreaterThan(0);
      expect(running.filter((r) => !r.ok || r.bytes !== 1_500_000)).toEqual([]);
    } finally {
      await pushToFleet();
    }
  });

  // Issue 9 §7. Control (run once by hand, agents without rise): about a third of the requests went to
  // the new backend before its first checks failed, and were refused.
  it('(§7) a new backend gets no flows until its health checks pass (rise)', async () => {
    await stopBackendServer('be3');
    // Same host under a new id: a backend the edges have never checked.
    const fresh3 = { ...backends[2], id: 'be3-new' };
    try {
      await pushToFleet({ list: [backends[0], backends[1], fresh3] });
      const r = await runLoad('client1', { kind: 'whoami', host: anycastV4[0], count: 90, concurrency: 15 });
      expect(r.filter((x) => !x.ok)).toEqual([]);
      expect(byBackend(r).be3 ?? 0).toBe(0);
    } finally {
      await startBackendServer('be3');
      await pushToFleet();
      for (const e of edges) {
        await waitFor(`${e.name} marks be3 healthy again`, async () => (await agentStatus(e)).services[0].backends.find((b) => b.id === 'be3')?.healthy === true, 20_000);
      }
    }
  });
});
