/**
 * Lab: backend ownership verification (issue 8). The lab's desired states demand every backend's
 * proof, like the control plane's; each lab backend's kit (`backend-kit answer`) holds its own token.
 * The edges challenge through the tunnel; only verified backends get flows.
 */
import { anycastV4, anycastV6, backends, edges } from './topology';
import { byBackend, runLoad } from './loadgen-client';
import { agentStatus } from './agent';
import { nextGeneration, pushDesiredState } from './lab';
import { composeDesiredState } from './desired';
import { waitFor } from './exec';
import { addKitTokens, removeKitTokens, startKitAnswerer, stopKitAnswerer } from './backend-prep';
import { useLab } from './testing/fixture';

jest.setTimeout(240_000);
useLab();

const be3 = backends.find((b) => b.name === 'be3')!;
/** Tokens of other registrations of be3's address (another tenant's backend rows): be3's kit does not hold them. */
const OTHER = `afv_${'0f'.repeat(32)}`;
const NO_KIT = `afv_${'ee'.repeat(32)}`;

type Verdicts = Record<string, { verification: string | null; healthy: boolean | null }>;
async function verdicts(edgeName: string): Promise<Verdicts> {
  const st = await agentStatus(edges.find((e) => e.name === edgeName)!);
  const bs = (st.services[0]?.backends ?? []) as unknown as { id: string; verification: string | null; healthy: boolean | null }[];
  return Object.fromEntries(bs.map((b) => [b.id, { verification: b.verification, healthy: b.healthy }]));
}

async function pushToFleet(verifyTokens: Record<string, string | null> = {}): Promise<void> {
  const generation = nextGeneration();
  for (const e of edges) expect((await pushDesiredState(e.name, composeDesiredState({ edge: e, generation, backends, verifyTokens }))).status).toBe(200);
  for (const e of edges) await waitFor(`${e.name} applied ${generation}`, async () => (await agentStatus(e)).applied_generation === generation);
}

/** Waits until every edge reports exactly these verdicts (and health only for verified backends). */
async function waitVerdicts(want: Record<string, string>, timeoutMs = 60_000): Promise<void> {
  for (const e of edges) {
    await waitFor(`${e.name}: ${JSON.stringify(want)}`, async () => {
      const v = await verdicts(e.name);
      return Object.entries(want).every(([id, state]) => v[id]?.verification === state && (state !== 'verified' || v[id]?.healthy === true));
    }, timeoutMs, 250);
  }
}

const FLOWS = 240;
let nextPort = 21000;
/** FLOWS new connections, each from a client port no earlier run used (no edge remembers its 5-tuple). */
async function spread(host: string): Promise<Record<string, number>> {
  const localPorts = Array.from({ length: FLOWS }, (_, i) => nextPort + i);
  nextPort += FLOWS;
  const rs = await runLoad('client1', { kind: 'whoami', host, localPorts, concurrency: 20 });
  expect(rs.filter((r) => !r.ok)).toEqual([]);
  return byBackend(rs);
}

describe('lab: backend ownership verification', () => {
  it('(v) verified backends carry traffic; the same address registered with another token stays failed and gets none until its kit holds that token; no kit: pending', async () => {
    // The default lab state: every kit holds its backend's token, every backend verified, traffic everywhere.
    await waitVerdicts({ be1: 'verified', be2: 'verified', be3: 'verified' });
    try {
      // be3's address registered again under another registration (tenant B): be3's kit answers, but
      // without that registration's proof (404). Negative control: failed, and not one flow reaches be3.
      await pushToFleet({ be3: OTHER });
      await waitVerdicts({ be1: 'verified', be2: 'verified', be3: 'failed' });
      for (const host of [anycastV4[0], anycastV6[0]]) {
        const s = await spread(host);
        expect(s.be3 ?? 0).toBe(0);
        expect(s.be1).toBeGreaterThan(FLOWS * 0.3);
        expect(s.be2).toBeGreaterThan(FLOWS * 0.3);
      }

      // The owner of be3 gives its kit that registration's token: the next challenge verifies it and it gets flows.
      await addKitTokens(be3, [OTHER]);
      const t0 = Date.now();
      await waitVerdicts({ be3: 'verified' }, 60_000);
      console.log(`be3 verified ${Date.now() - t0} ms after its kit got the token`);
      expect((await spread(anycastV4[0])).be3).toBeGreaterThan(FLOWS * 0.2);

      // No kit answering at all (answerer stopped) for a new registration: pending, no flows.
      await stopKitAnswerer(be3);
      await pushToFleet({ be3: NO_KIT });
      await waitVerdicts({ be3: 'pending' });
      const s = await spread(anycastV4[1]);
      expect(s.be3 ?? 0).toBe(0);
    } finally {
      await stopKitAnswerer(be3);
      startKitAnswerer(be3);
      await removeKitTokens(be3, [OTHER]);
      await pushToFleet();
    }
    await waitVerdicts({ be1: 'verified', be2: 'verified', be3: 'verified' }, 90_000);
  });
});
