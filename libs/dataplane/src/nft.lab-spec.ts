/**
 * The nft renderer against the real kernel (namespace afd-nft): every kind of change the agent
 * renders must be accepted by nft 1.0.6 as one transaction, leave exactly the desired objects, and
 * never touch the flow maps.
 */
import type { ServiceState } from '@anyfront/contracts';
import { createNamespace, deleteNamespace, nsRunSync } from '@anyfront/lab';
import { allocateMarks, emptyAllocation, MarkAllocation } from './marks';
import { buildPlan, DataplanePlan, wantedMarkKeys } from './plan';
import { AppliedSummary, desiredObjects, NftInventory, renderNftChange, summarize } from './nft';
import { service, state } from './fixtures.spec-helpers';

const NS = 'afd-nft';
const nft = (args: string[], input?: string) => nsRunSync(NS, 'nft', args, input);
const json = (args: string[]) => (JSON.parse(nft(['-j', ...args])).nftables as Record<string, { name: string; table: string; elem?: unknown[] }>[]);

function inventory(): NftInventory {
  const names = (list: Record<string, { name: string; table: string }>[], kind: string) => new Set(list.flatMap((o) => (o[kind]?.table === 'anyfront' ? [o[kind].name] : [])));
  const chains = names(json(['-t', 'list', 'chains', 'inet']), 'chain');
  const sets = new Set([...names(json(['-t', 'list', 'sets', 'inet']), 'set'), ...names(json(['-t', 'list', 'maps', 'inet']), 'map')]);
  const exists = chains.size > 0;
  return { tableExists: exists, chains, sets, counters: exists ? names(json(['list', 'counters', 'table', 'inet', 'anyfront']), 'counter') : new Set() };
}

let marks: MarkAllocation = emptyAllocation(0x100000, 1000);
let applied: AppliedSummary | null = null;

/** Renders the change to `services`, applies it, and checks the kernel holds exactly the desired objects. */
function step(services: ServiceState[], health: (s: string, b: string) => boolean | undefined = () => undefined): { plan: DataplanePlan; script: string } {
  const s = state(services);
  marks = allocateMarks(marks, wantedMarkKeys(s));
  const plan = buildPlan(s, marks, health, { table: 'anyfront', flowTimeoutSeconds: 300, flowTableSize: 65536, probePortBase: 10000 });
  const change = renderNftChange(applied, plan, inventory());
  if (!change.empty) nft(['-f', '-'], change.script);
  applied = summarize(plan);
  const want = desiredObjects(plan);
  const have = inventory();
  expect([...have.chains].sort()).toEqual([...want.chains].sort());
  expect([...have.sets].sort()).toEqual([...want.sets].sort());
  expect([...(have.counters ?? [])].sort()).toEqual([...want.counters].sort());
  return { plan, script: change.script };
}
const flowElems = () => (json(['list', 'map', 'inet', 'anyfront', 'flows4'])[1].map.elem ?? []).length;

beforeAll(async () => {
  await deleteNamespace(NS);
  await createNamespace(NS);
});
afterAll(() => deleteNamespace(NS));

describe('nft renderer on the kernel', () => {
  const a = service('a');
  const b = service('b', { addresses: [{ address: '198.51.100.20', family: 4 }, { address: 'fd00:aa::20', family: 6 }], listeners: [{ protocol: 'udp', port_from: 5000, port_to: 5010 }, { protocol: 'tcp', port_from: 443, port_to: 443 }] });

  it('installs from scratch, then keeps flow entries through every later change', () => {
    step([a, b]);
    nft(['add', 'element', 'inet', 'anyfront', 'flows4', '{ 203.0.113.9 . 40000 . 198.51.100.10 . 80 : 0x100000 }']);
    expect(flowElems()).toBe(1);
  });

  it('changes one service only (a backend disabled) and renders nothing for a repeat', () => {
    const { script } = step([a, { ...b, backends: [b.backends[0], { ...b.backends[1], enabled: false }] }]);
    expect(script).not.toContain('svc_' + applied!.services.find((s) => s.id === 'a')!.key);
    expect(step([a, { ...b, backends: [b.backends[0], { ...b.backends[1], enabled: false }] }]).script).toBe('');
  });

  it('handles health turning a whole service unusable, a new M, a moved address, a removed and an added service', () => {
    step([a, b], () => false);
    step([a, { ...b, maglev_table_size: 509 }]);
    step([{ ...a, addresses: [{ address: '198.51.100.10', family: 4 }, { address: '198.51.100.20', family: 4 }] }, { ...b, maglev_table_size: 509, addresses: [{ address: 'fd00:aa::20', family: 6 }] }]);
    step([service('c', { addresses: [{ address: '198.51.100.30', family: 4 }], hash_mode: 'client_ip', backends: [{ id: 'x', address: 'fd00:b::9', weight: 3, enabled: true }] })]);
    expect(flowElems()).toBe(1);
  });

  it('re-syncs when the applied summary does not match the kernel (e.g. state file from another boot)', () => {
    applied = { services: [{ id: 'ghost', key: '000000000000', digest: 'x', addresses: [] }], marks: [] };
    step([a, b]);
    expect(flowElems()).toBe(1);
  });
});
