import { serviceDeployment, type ServiceNodeProgress } from './deploy-status';

const node = (over: Partial<ServiceNodeProgress>): ServiceNodeProgress => ({
  nodeId: 'n1', nodeName: 'edge-1', popId: 'p1', popCode: 'ams', serviceGeneration: 5, pending: false, appliedGeneration: 5, lastHeartbeatAt: null, ...over,
});

describe('serviceDeployment', () => {
  it('is deployed when every node applied the generation with the latest change', () => {
    const d = serviceDeployment(true, [node({}), node({ nodeId: 'n2', nodeName: 'edge-2', popId: 'p2', popCode: 'fra', appliedGeneration: 9 })]);
    expect(d.status).toBe('deployed');
    expect(d.edge_nodes_deployed).toBe(2);
    expect(d.pops.map((p) => [p.pop_code, p.status])).toEqual([['ams', 'deployed'], ['fra', 'deployed']]);
  });

  it('is deploying while one node lags, with per-PoP detail', () => {
    const d = serviceDeployment(true, [node({}), node({ nodeId: 'n2', nodeName: 'edge-2', appliedGeneration: 4 }), node({ nodeId: 'n3', popId: 'p2', popCode: 'fra' })]);
    expect(d.status).toBe('deploying');
    expect(d.pops.find((p) => p.pop_code === 'ams')).toMatchObject({ status: 'deploying' });
    expect(d.pops.find((p) => p.pop_code === 'fra')).toMatchObject({ status: 'deployed' });
    expect(d.pops[0].nodes.find((n) => n.node_id === 'n2')).toMatchObject({ status: 'deploying', required_generation: 5, applied_generation: 4 });
  });

  it('is deploying while a change is pending or the service is not in the node state yet', () => {
    expect(serviceDeployment(true, [node({ pending: true, appliedGeneration: 100 })]).status).toBe('deploying');
    expect(serviceDeployment(true, [node({ serviceGeneration: null, appliedGeneration: 100 })]).status).toBe('deploying');
  });

  it('waits for a healthy backend on a node that applied the change but has none passing its checks (issue 9 §7)', () => {
    const d = serviceDeployment(true, [node({ healthyBackends: 0, verifiedBackends: 1 }), node({ nodeId: 'n2', popId: 'p2', popCode: 'fra', healthyBackends: 2, verifiedBackends: 2 })]);
    expect(d.status).toBe('waiting_for_healthy_backend');
    expect(d.edge_nodes_deployed).toBe(1);
    expect(d.pops.map((p) => [p.pop_code, p.status])).toEqual([['ams', 'waiting_for_healthy_backend'], ['fra', 'deployed']]);
    // A node still deploying is the worse state; failed is worse still.
    expect(serviceDeployment(true, [node({ healthyBackends: 0 }), node({ nodeId: 'n2', appliedGeneration: 4 })]).status).toBe('deploying');
    expect(serviceDeployment(true, [node({ healthyBackends: 0 }), node({ nodeId: 'n2', agentFailedReason: 'x' })]).status).toBe('failed');
  });

  it('waits for a verified backend on a node that verified none (healthy or not: an unverified backend gets no traffic), issue 9 §7', () => {
    const d = serviceDeployment(true, [node({ healthyBackends: 0, verifiedBackends: 0 }), node({ nodeId: 'n2', popId: 'p2', popCode: 'fra', healthyBackends: 0, verifiedBackends: 1 })]);
    expect(d.pops.map((p) => [p.pop_code, p.status])).toEqual([['ams', 'waiting_for_verified_backend'], ['fra', 'waiting_for_healthy_backend']]);
    // Further from deployed than waiting for health, closer than deploying.
    expect(d.status).toBe('waiting_for_verified_backend');
    expect(d.edge_nodes_deployed).toBe(0);
    expect(serviceDeployment(true, [node({ healthyBackends: 0, verifiedBackends: 0 }), node({ nodeId: 'n2', appliedGeneration: 4 })]).status).toBe('deploying');
  });

  it('is pending for an inactive service and no_edge_nodes without nodes', () => {
    expect(serviceDeployment(false, [node({})]).status).toBe('pending');
    expect(serviceDeployment(true, []).status).toBe('no_edge_nodes');
  });

  it('is failed on a node the publish filter left the service out of, with the reason, and so on its PoP and overall', () => {
    const reason = 'backend b1 needs an IPv4 tunnel source, but the node has none';
    const d = serviceDeployment(true, [
      node({}),
      node({ nodeId: 'n2', nodeName: 'edge-2', serviceGeneration: null, excludedReason: reason }),
      node({ nodeId: 'n3', popId: 'p2', popCode: 'fra', appliedGeneration: 4 }),
    ]);
    expect(d.status).toBe('failed');
    expect(d.edge_nodes_deployed).toBe(1);
    expect(d.pops.map((p) => [p.pop_code, p.status])).toEqual([['ams', 'failed'], ['fra', 'deploying']]);
    expect(d.pops[0]?.nodes.map((n) => [n.node_id, n.status, n.reason])).toEqual([['n1', 'deployed', null], ['n2', 'failed', reason]]);
  });

  it('is deploying, not failed, while a change that may fix the exclusion is pending', () => {
    expect(serviceDeployment(true, [node({ pending: true, serviceGeneration: null, excludedReason: 'x' })]).status).toBe('deploying');
  });

  it('is failed on a node that applied the change but whose agent reported it could not program the service, with the reason', () => {
    const why = "encapsulation ipip needs the ipip tunnel module, which this edge's kernel lacks";
    const d = serviceDeployment(true, [node({ agentFailedReason: why }), node({ nodeId: 'n2', nodeName: 'edge-2', popId: 'p2', popCode: 'fra' })]);
    expect(d.status).toBe('failed');
    expect(d.edge_nodes_deployed).toBe(1);
    expect(d.pops.find((p) => p.pop_code === 'ams')).toMatchObject({ status: 'failed', nodes: [{ status: 'failed', reason: `the edge node could not program it: ${why}` }] });
    expect(d.pops.find((p) => p.pop_code === 'fra')).toMatchObject({ status: 'deployed' });
    // A report about an older generation does not hide that a newer change is on its way.
    expect(serviceDeployment(true, [node({ agentFailedReason: why, appliedGeneration: 4 })]).status).toBe('deploying');
  });
});
