import type { ServiceState } from '@anyfront/contracts';
import { canaryGate, canaryPoolGate, type CanaryView, poolGenerations } from './canary';
import { serviceDeployment, type ServiceNodeProgress } from './deploy-status';

const svc = (id: string, weight: number) => ({ id, backends: [{ id: `${id}-b`, address: 'fd00:b::1', weight, enabled: true }] }) as unknown as ServiceState;
const view = (services: Record<string, [string, boolean]>, extra: Partial<CanaryView> = {}): CanaryView => ({
  nodeId: 'canary', services: new Map(Object.entries(services).map(([id, [hash, verified]]) => [id, { hash, verified }])), excluded: new Set(), failed: new Set(), ...extra,
});

describe('canaryGate (staged rollout)', () => {
  const current = new Map([['a', { hash: 'a1', state: svc('a', 1) }], ['b', { hash: 'b1', state: svc('b', 1) }]]);
  const planned = [svc('a', 2), svc('b', 1), svc('c', 1)];
  const hashes = new Map([['a', 'a2'], ['b', 'b1'], ['c', 'c1']]);

  it('keeps the last good content of a changed service and leaves a new one out until the canary verified exactly that content', () => {
    const g = canaryGate(planned, hashes, current, view({ a: ['a2', false], b: ['b1', true], c: ['c1', false] }));
    expect(g.services).toEqual([svc('a', 1), svc('b', 1)]);
    expect([...g.hashes]).toEqual([['a', 'a1'], ['b', 'b1']]);
    expect(g.held).toEqual([{ id: 'a', contentHash: 'a2' }, { id: 'c', contentHash: 'c1' }]);
  });

  it('lets verified content through; other content on the canary (an older or newer change) does not count', () => {
    expect(canaryGate(planned, hashes, current, view({ a: ['a2', true], c: ['c1', true] })).held).toEqual([]);
    expect(canaryGate(planned, hashes, current, view({ a: ['a3', true], c: ['c1', true] })).held.map((h) => h.id)).toEqual(['a']);
  });

  it('holds a service the canary could not program even in a verified generation; passes one the canary cannot take at all (publish filter)', () => {
    expect(canaryGate(planned, hashes, current, view({ a: ['a2', true], c: ['c1', true] }, { failed: new Set(['a']) })).held.map((h) => h.id)).toEqual(['a']);
    expect(canaryGate(planned, hashes, current, view({ a: ['a2', true] }, { excluded: new Set(['c']) })).held).toEqual([]);
  });

  it('never holds a removal', () => {
    const g = canaryGate([svc('a', 1)], new Map([['a', 'a1']]), current, view({}));
    expect(g.services.map((s) => s.id)).toEqual(['a']);
    expect(g.held).toEqual([]);
  });
});

describe('canaryPoolGate (pool announcements staged too)', () => {
  const pools = [{ id: 'p1' }, { id: 'p2' }, { id: 'p3' }];
  it('a pool the node does not announce yet waits until the canary announced it in a verified generation; one it announces stays', () => {
    expect(canaryPoolGate(pools, new Set(['p1']), new Set(['p1', 'p2']))).toEqual({ pools: [{ id: 'p1' }, { id: 'p2' }], held: ['p3'] });
    expect(canaryPoolGate(pools, new Set(['p1', 'p2', 'p3']), new Set())).toEqual({ pools, held: [] });
  });
  it('never holds a withdrawal', () => {
    expect(canaryPoolGate([{ id: 'p1' }], new Set(['p1', 'p2']), new Set())).toEqual({ pools: [{ id: 'p1' }], held: [] });
  });
  it('numbers each pool by the generation that first announced it on the node', () => {
    expect(poolGenerations({ p1: 3, gone: 2 }, ['p1', 'p2'], 7)).toEqual({ p1: 3, p2: 7 });
  });
});

describe('deploy status with a staged rollout', () => {
  const node = (name: string, extra: Partial<ServiceNodeProgress>): ServiceNodeProgress => ({
    nodeId: name, nodeName: name, popId: 'p', popCode: 'fra', serviceGeneration: 3, pending: false, appliedGeneration: 3, lastHeartbeatAt: null, healthyBackends: 1, ...extra,
  });

  it('is deploying while the change waits for the canary and failed with the reason once the canary failed it', () => {
    expect(serviceDeployment(true, [node('canary', {}), node('n2', { held: true })]).pops[0]?.status).toBe('deploying');
    const d = serviceDeployment(true, [node('canary', { canaryFailure: 'rollout halted: x' }), node('n2', { held: true, canaryFailure: 'rollout halted: x' })]);
    expect(d.status).toBe('failed');
    expect(d.pops[0]?.nodes.map((n) => [n.status, n.reason])).toEqual([['failed', 'rollout halted: x'], ['failed', 'rollout halted: x']]);
  });
});
