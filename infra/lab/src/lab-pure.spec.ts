import { desiredStateSchema } from '@anyfront/contracts';
import { maglevTableSize } from '@anyfront/maglev';
import { composeDesiredState } from './desired';
import { renderRouterConfig, renderRouterPrefs } from './router-bird';
import { parseMetrics } from './agent';
import { metricSum } from './testing/fixture';
import { allNamespaces, anycastV4, anycastV6, backends, clients, edges, FLEET_SEED, pools } from './topology';

describe('lab topology', () => {
  it('uses only the lab prefix for namespaces and only documentation / unique-local addresses', () => {
    for (const ns of allNamespaces()) expect(ns).toMatch(/^af-/);
    const v4 = [...clients, ...edges, ...backends].flatMap((x) => [x.link.routerV4, x.link.peerV4]).concat(anycastV4);
    for (const a of v4) expect(a).toMatch(/^(192\.0\.2|198\.51\.100|203\.0\.113)\./);
    const v6 = [...clients, ...edges, ...backends].flatMap((x) => [x.link.routerV6, x.link.peerV6]).concat(anycastV6);
    for (const a of v6) expect(a).toMatch(/^fd00:/);
    expect(new Set(v4).size).toBe(v4.length);
  });

  it('puts every anycast address in an announced pool', () => {
    const inPool = (a: string) => pools.filter((p) => p.family === 4).some((p) => {
      const [net, len] = p.prefix.split('/');
      const n = (s: string) => s.split('.').reduce((x, o) => x * 256 + Number(o), 0);
      const mask = 2 ** 32 - 2 ** (32 - Number(len));
      return (n(a) & mask) >>> 0 === (n(net) & mask) >>> 0;
    });
    for (const a of anycastV4) expect(inPool(a)).toBe(true);
  });
});

describe('composeDesiredState', () => {
  it('builds a valid desired state with the fleet seed and the Maglev size for its backend count', () => {
    const s = composeDesiredState({ edge: edges[0], generation: 7, backends });
    expect(desiredStateSchema.parse(s)).toEqual(s);
    expect(s.hash_seed).toBe(FLEET_SEED);
    expect(s.node).toMatchObject({ id: edges[0].nodeId, tunnel_source_ipv6: edges[0].link.peerV6 });
    expect(s.services[0].maglev_table_size).toBe(maglevTableSize(3));
    expect(s.services[0].backends.map((b) => b.address)).toEqual(backends.map((b) => b.link.peerV6));
  });

  it('gives every edge the same service (only node identity differs)', () => {
    const [a, b] = edges.map((edge) => composeDesiredState({ edge, generation: 1, backends }));
    expect(a.services).toEqual(b.services);
    expect(a.pools).toEqual(b.pools);
    expect(a.node.id).not.toBe(b.node.id);
  });

  it('leaves removed backends out but keeps M (a new M would rehash every flow)', () => {
    const s = composeDesiredState({ edge: edges[0], generation: 2, backends, without: ['be2'] });
    expect(s.services[0].backends.map((b) => b.id)).toEqual(['be1', 'be3']);
    expect(s.services[0].maglev_table_size).toBe(maglevTableSize(3));
  });
});

describe('router BIRD config', () => {
  const paths = { config: '/x/r.conf', prefs: '/x/p.conf', socket: '/x/r.ctl', pidFile: '/x/r.pid', log: '/x/r.log' };
  it('peers with every edge, merges equal paths into the kernel and accepts only pool prefixes', () => {
    const conf = renderRouterConfig(edges, paths);
    for (const e of edges) expect(conf).toContain(`neighbor ${e.link.peerV4} as`);
    expect(conf).toContain('merge paths on');
    expect(conf).toContain('graceful restart off');
    expect(conf).toContain('192.0.2.0/24{24,32}');
    expect(conf).toContain(`include "${paths.prefs}"`);
  });
  it('renders one preference per edge, 100 unless given', () => {
    expect(renderRouterPrefs(edges, { edge2: 200 })).toBe('define PREF_EDGE1 = 100;\ndefine PREF_EDGE2 = 200;\n');
  });
});

describe('metrics parsing', () => {
  it('sums a metric over the series matching the labels', () => {
    const m = parseMetrics('# HELP x\nanyfront_agent_address_bytes{address="192.0.2.10"} 100\nanyfront_agent_address_bytes{address="192.0.2.140"} 5\nother 1\n');
    expect(metricSum(m, 'anyfront_agent_address_bytes', { address: '192.0.2.10' })).toBe(100);
    expect(metricSum(m, 'anyfront_agent_address_bytes')).toBe(105);
    expect(metricSum(m, 'missing')).toBe(0);
  });
});
