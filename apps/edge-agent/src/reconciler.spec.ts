import type { Families, GuardInventory, NftInventory, RoutingChange, RoutingInventory } from '@anyfront/dataplane';
import { serviceKey } from '@anyfront/dataplane';
import type { DesiredState } from '@anyfront/contracts';
import { verificationBinding } from '@anyfront/domain';
import { BirdPort, NftPort, Reconciler, ReconcilerOptions, RoutePort, StorePort } from './reconciler';
import type { PersistedState } from './io/state-store';

/** Fake kernel: keeps the object inventory an nft script would leave behind. */
class FakeNft implements NftPort {
  chains = new Set<string>();
  sets = new Set<string>();
  counters = new Set<string>();
  exists = false;
  scripts: string[] = [];
  failNext: string | null = null;
  async inventory(): Promise<NftInventory> {
    return { tableExists: this.exists, chains: new Set(this.chains), sets: new Set(this.sets), counters: new Set(this.counters) };
  }
  async apply(script: string): Promise<void> {
    if (this.failNext) {
      const m = this.failNext;
      this.failNext = null;
      throw new Error(m);
    }
    this.scripts.push(script);
    for (const line of script.split('\n')) {
      const m = /^(add|delete) (table|chain|map|set|counter) inet anyfront ?(\S*)/.exec(line);
      if (!m) continue;
      const [, op, kind, name] = m;
      if (kind === 'table') { this.exists = op === 'add'; continue; }
      const target = kind === 'chain' ? this.chains : kind === 'counter' ? this.counters : this.sets;
      if (op === 'add') target.add(name); else target.delete(name);
    }
  }
}

class FakeRoutes implements RoutePort {
  rules = new Map<string, { family: 4 | 6; mark: number; table: number; priority: number }>();
  routes = new Map<string, { family: 4 | 6; table: number; dst: string; dev: string; encap: string; segs: string[] }>();
  tunsrc: string | undefined;
  /** Loop guard lines in force, by their text after add/del (see libs/dataplane guards.ts). */
  guardLines = new Map<string, { family: 4 | 6; line: string }>();
  failAdds: string | null = null;
  /** Refuse any batch with a line matching this (ip -batch stops at the first error; earlier lines stay applied). */
  refuse: RegExp | null = null;
  applied: RoutingChange[] = [];
  async inventory(): Promise<RoutingInventory> {
    const guards: GuardInventory = { rules: [...this.guardLines.values()].map(({ family, line }) => ({ family, priority: Number(/priority (\d+)$/.exec(line)?.[1]), spec: line })) };
    return { rules: [...this.rules.values()], routes: [...this.routes.values()], links: [], srTunsrc: this.tunsrc, guards };
  }
  protected play(family: 4 | 6, lines: string[]) {
    for (const l of lines) {
      const g = /^rule (add|del) (.*(?:blackhole|lookup main|goto|nop).*)$/.exec(l);
      if (g) {
        if (g[1] === 'del') this.guardLines.delete(`${family}|${g[2]}`); else this.guardLines.set(`${family}|${g[2]}`, { family, line: g[2] });
        continue;
      }
      let m = /^route replace default encap seg6 mode encap segs (\S+) dev (\S+) table (\d+)/.exec(l);
      if (m) this.routes.set(`${family}|${m[3]}`, { family, table: Number(m[3]), dst: 'default', dev: m[2], encap: 'seg6', segs: [m[1]] });
      m = /^rule (add|del) fwmark (\S+) table (\d+) priority (\d+)/.exec(l);
      if (m) {
        const key = `${family}|${Number(m[2])}`;
        if (m[1] === 'add') this.rules.set(key, { family, mark: Number(m[2]), table: Number(m[3]), priority: Number(m[4]) });
        else this.rules.delete(key);
      }
      m = /^route del default table (\d+)/.exec(l);
      if (m) this.routes.delete(`${family}|${m[1]}`);
    }
  }
  async applyAdds(c: RoutingChange): Promise<void> {
    if (this.failAdds) throw new Error(this.failAdds);
    for (const stage of [c.pre, c.v4, c.v6]) {
      const bad = this.refuse ? stage.findIndex((l) => this.refuse!.test(l)) : -1;
      if (bad >= 0) {
        this.applied.push({ ...c, pre: c.pre === stage ? stage.slice(0, bad) : c.pre, v4: [], v6: [] });
        throw new Error(`Error: any valid prefix is expected rather than "${stage[bad]}".\nCommand failed -:${bad + 1}`);
      }
    }
    this.applied.push(c);
    for (const l of c.pre) { const m = /^sr tunsrc set (\S+)/.exec(l); if (m) this.tunsrc = m[1]; }
    this.play(4, c.v4);
    this.play(6, c.v6);
  }
  async applyRemovals(c: RoutingChange): Promise<void> {
    this.play(4, c.v4Del);
    this.play(6, c.v6Del);
  }
}

class FakeBird implements BirdPort {
  config = '';
  announce: boolean | null = null;
  families: Families | null = null;
  calls: string[] = [];
  async writeConfig(text: string) { this.config = text; this.calls.push('write'); }
  async configure() { this.calls.push('configure'); }
  async setAnnounce(on: Families) { this.families = on; this.announce = on[4] || on[6]; this.calls.push(this.announce ? 'enable' : 'disable'); }
}

/**
 * Kernel model for the ordering test (issue 9 §8): every `ip` line is applied on its own (batches
 * are not atomic), the nft transaction at once, and after each step every mark nft forwards to (a
 * live set) must have its rule and its table's default route: else its packets are black-holed
 * (the loop guard drops them) or, without guards, routed back out.
 */
class SteppedKernel extends FakeRoutes {
  readonly nft = new FakeNft();
  private readonly live = new Map<string, Set<number>>();
  violations: string[] = [];
  constructor(private readonly order: 'agent' | 'reversed' = 'agent') {
    super();
    const apply = this.nft.apply.bind(this.nft);
    this.nft.apply = async (script) => {
      await apply(script);
      for (const line of script.split('\n')) {
        const m = /^(add element|flush set|delete set) inet anyfront (live_\S+)(?: \{ (.*) \})?/.exec(line);
        if (!m) continue;
        if (m[1] !== 'add element') this.live.delete(m[2]);
        else this.live.set(m[2], new Set([...(this.live.get(m[2]) ?? []), ...m[3].split(', ').map(Number)]));
      }
      this.check('nft transaction');
      if (this.order === 'reversed') for (const c of this.deferred.splice(0)) this.stepped(c.v4, c.v6);
    };
  }
  private deferred: RoutingChange[] = [];
  private stepped(v4: string[], v6: string[]) {
    for (const [fam, lines] of [[4, v4], [6, v6]] as const) for (const l of lines) { this.play(fam, [l]); this.check(l); }
  }
  private check(after: string) {
    for (const m of new Set([...this.live.values()].flatMap((x) => [...x]))) {
      const fams = ([4, 6] as const).filter((f) => this.rules.has(`${f}|${m}`));
      if (!fams.length) this.violations.push(`after "${after}": mark 0x${m.toString(16)} is forwarded to but has no rule`);
      for (const f of fams) if (!this.routes.has(`${f}|${m}`)) this.violations.push(`after "${after}": mark 0x${m.toString(16)} has a rule but an empty IPv${f} table`);
    }
  }
  override async applyAdds(c: RoutingChange): Promise<void> {
    this.applied.push(c);
    if (this.order === 'reversed') {
      // The wrong order: old tables go before nft stops using them, new ones come after nft uses them.
      this.stepped(c.v4Del, c.v6Del);
      this.deferred.push(c);
      return;
    }
    this.stepped(c.v4, c.v6);
  }
  override async applyRemovals(c: RoutingChange): Promise<void> {
    if (this.order === 'agent') this.stepped(c.v4Del, c.v6Del);
  }
}

class MemStore implements StorePort {
  saved: PersistedState | null = null;
  saves = 0;
  async load() { return this.saved ? JSON.parse(JSON.stringify(this.saved)) as PersistedState : null; }
  async save(s: PersistedState) { this.saved = JSON.parse(JSON.stringify(s)); this.saves++; }
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const OPTS: ReconcilerOptions = {
  nodeId: 'edge-1', markBase: 0x100000, markCount: 1000, uplink: 'e0', rulePriority: 1000, devicePrefix: 'aft', sources: {}, dryRun: false,
  plan: { table: 'anyfront', flowTimeoutSeconds: 300, flowTableSize: 65536, probePortBase: 10000 },
  bird: { routerId: '192.0.2.2', localAs: 65011, neighbors: [], bfd: false, holdTime: 3, keepaliveTime: 1 },
};

function svc(id: string, addr: string, backends = ['b1', 'b2']) {
  return {
    id, addresses: [{ address: addr, family: 4 }], listeners: [{ protocol: 'tcp', port_from: 80, port_to: 80 }], hash_mode: 'five_tuple', encapsulation: 'srv6', maglev_table_size: 251,
    backends: backends.map((b, i) => ({ id: b, address: `fd00:b::${i + 1}`, weight: 1, enabled: true })),
    health_check: { protocol: 'tcp', port: 80, path: '/', interval_seconds: 1, timeout_seconds: 1, healthy_threshold: 1, unhealthy_threshold: 1 },
  };
}
function desired(generation: number, services = [svc('web', '198.51.100.10'), svc('api', '198.51.100.20')], extra: Record<string, unknown> = {}) {
  return { version: 1, generation, node: { id: 'edge-1', pop: 'lab', tunnel_source_ipv6: 'fd00:1::2' }, hash_seed: 7, pools: [{ id: 'p', prefix: '198.51.100.0/24', family: 4 }], services, ...extra };
}

function setup(store = new MemStore()) {
  const nft = new FakeNft();
  const routes = new FakeRoutes();
  const bird = new FakeBird();
  const r = new Reconciler(nft, routes, bird, store, OPTS, silent);
  return { nft, routes, bird, store, r };
}

describe('Reconciler', () => {
  it('applies a valid state: routes and nft programmed, state persisted, pools announced', async () => {
    const { r, nft, routes, bird, store } = setup();
    await expect(r.submit(desired(1))).resolves.toEqual({ status: 200, applied: true, generation: 1 });
    expect(nft.scripts).toHaveLength(1);
    expect(routes.rules.size).toBe(4);
    expect(store.saved?.state.generation).toBe(1);
    expect(r.programmed).toBe(true);
    expect(bird.announce).toBe(true);
    expect(bird.config).toContain('route 198.51.100.0/24 unreachable;');
  });

  it('refuses an invalid state with 422 and changes nothing', async () => {
    const { r, nft, routes, bird } = setup();
    await r.submit(desired(1));
    const before = nft.scripts.length;
    const bad = desired(2, [svc('web', '198.51.100.10'), { ...svc('api', '198.51.100.20'), encapsulation: 'ipip' }]);
    const out = await r.submit(bad);
    expect(out).toMatchObject({ status: 422, title: 'Invalid desired state' });
    expect((out as { detail: string }).detail).toContain('cannot be reached with ipip');
    expect(await r.submit({ ...desired(3), hash_seed: -1 })).toMatchObject({ status: 422 });
    expect(await r.submit(desired(3, undefined, { node: { id: 'edge-9', pop: 'x' } }))).toMatchObject({ status: 422, detail: expect.stringContaining('edge-9') });
    expect(nft.scripts.length).toBe(before);
    expect(routes.applied.length).toBe(1);
    expect(r.generation).toBe(1);
    expect(bird.announce).toBe(true);
  });

  it('withdraws per address family (issue 9 §8): IPv6 services all broken, IPv4 keeps being announced (and the reverse)', async () => {
    const { r, bird } = setup();
    const six = { ...svc('six', 'fd00:a0::10'), addresses: [{ address: 'fd00:a0::10', family: 6 }] };
    const pools = [{ id: 'p', prefix: '198.51.100.0/24', family: 4 }, { id: 'p6', prefix: 'fd00:a0::/48', family: 6 }];
    expect(await r.submit(desired(1, [svc('web', '198.51.100.10'), six], { pools }))).toMatchObject({ status: 200 });
    expect(bird.families).toEqual({ 4: true, 6: true });
    await r.setHealth('six', 'b1', false);
    await r.setHealth('six', 'b2', false);
    expect(bird.families).toEqual({ 4: true, 6: false });
    expect(r.announced).toBe(true);
    expect(bird.config).toMatch(/protocol static anyfront_pools4 \{\n  ipv4;\n  disabled no;/);
    expect(bird.config).toMatch(/protocol static anyfront_pools6 \{\n  ipv6;\n  disabled yes;/);
    await r.setHealth('six', 'b1', true);
    await r.setHealth('web', 'b1', false);
    await r.setHealth('web', 'b2', false);
    expect(bird.families).toEqual({ 4: false, 6: true });
    await r.setHealth('six', 'b1', false);
    expect(bird.families).toEqual({ 4: false, 6: false });
    expect(r.announced).toBe(false);
  });

  describe('route changes are ordered (issue 9 §8): no intermediate state black-holes a mark nft forwards to', () => {
    const run = async (kernel: SteppedKernel) => {
      const r = new Reconciler(kernel.nft, kernel, new FakeBird(), new MemStore(), OPTS, silent);
      const steps = [['b1', 'b2'], ['b1', 'b2', 'b3'], ['b2', 'b3'], ['b3', 'b4'], ['b4']];
      for (const [i, b] of steps.entries()) expect(await r.submit(desired(i + 1, [{ ...svc('web', '198.51.100.10', b), addresses: [{ address: '198.51.100.10', family: 4 }, { address: 'fd00:a0::10', family: 6 }] }], { pools: [{ id: 'p', prefix: '198.51.100.0/24', family: 4 }, { id: 'p6', prefix: 'fd00:a0::/48', family: 6 }] }))).toMatchObject({ status: 200 });
      expect(await r.submit(desired(steps.length + 1, []))).toMatchObject({ status: 200 });
      return kernel.violations;
    };
    it('backends added, removed and replaced, then the service removed: every step keeps the forwarded marks routed', async () => {
      expect(await run(new SteppedKernel('agent'))).toEqual([]);
    });
    it('NEGATIVE CONTROL: the same changes with routes after nft and removals before it break marks in use', async () => {
      const v = await run(new SteppedKernel('reversed'));
      expect(v.some((x) => x.includes('has no rule'))).toBe(true);
    });
  });

  it('coalesces resyncs: ten requests while one waits make one apply (no backlog delays a shutdown on a loaded node)', async () => {
    const { r, nft } = setup();
    await r.submit(desired(1));
    let inventories = 0;
    const inventory = nft.inventory.bind(nft);
    nft.inventory = () => { inventories++; return inventory(); };
    await Promise.all(Array.from({ length: 10 }, () => r.resync()));
    expect(inventories).toBe(1);
  });

  it('orders generations: older 409, same content no-op, same generation with other content 409', async () => {
    const { r, nft } = setup();
    await r.submit(desired(5));
    expect(await r.submit(desired(4))).toMatchObject({ status: 409, generation: 5 });
    expect(await r.submit(desired(5))).toEqual({ status: 200, applied: false, generation: 5 });
    expect(await r.submit(desired(5, [svc('web', '198.51.100.10')]))).toMatchObject({ status: 409 });
    expect(nft.scripts).toHaveLength(1);
  });

  it('keeps the last good state when the kernel refuses the nft transaction (500), and keeps announcing it', async () => {
    const { r, nft, bird, store } = setup();
    await r.submit(desired(1));
    nft.failNext = 'Error: Could not process rule';
    const out = await r.submit(desired(2, [svc('web', '198.51.100.10', ['b1', 'b2', 'b3'])]));
    expect(out).toMatchObject({ status: 500, detail: expect.stringContaining('Could not process rule') });
    expect(r.generation).toBe(1);
    expect(store.saved?.state.generation).toBe(1);
    expect(r.lastError).toContain('Could not process rule');
    expect(r.programmed).toBe(true);
    expect(bird.announce).toBe(true);
  });

  it('withdraws when routes fail half-way and announces again once a retry succeeds', async () => {
    const { r, routes, bird } = setup();
    await r.submit(desired(1));
    routes.failAdds = 'RTNETLINK answers: No such device';
    expect(await r.submit(desired(2, [svc('web', '198.51.100.10', ['b1', 'b2', 'b3'])]))).toMatchObject({ status: 500 });
    await new Promise((res) => setImmediate(res));
    expect(r.programmed).toBe(false);
    expect(bird.announce).toBe(false);
    expect(r.needsRetry).toBe(true);
    routes.failAdds = null;
    await r.retry();
    expect(r.generation).toBe(2);
    expect(bird.announce).toBe(true);
  });

  describe('fault isolation: one service that cannot be programmed never takes the edge down', () => {
    const tun = () => ({ ...svc('tun', '198.51.100.30', ['t1']), encapsulation: 'ipip', backends: [{ id: 't1', address: '203.0.113.7', weight: 1, enabled: true }] });
    const withV4Source = (gen: number, services: ReturnType<typeof svc>[]) => desired(gen, services, { node: { id: 'edge-1', pop: 'lab', tunnel_source_ipv4: '192.0.2.2', tunnel_source_ipv6: 'fd00:1::2' } });

    it('a service whose encapsulation the kernel lacks is skipped with its reason; the others are programmed and the pools stay announced', async () => {
      const { r, routes, bird, nft } = setup();
      r.capabilities = { seg6: true, ipip: false, sit: false, ip6tnl: false, fou: false, nft: true };
      expect(await r.submit(withV4Source(1, [svc('web', '198.51.100.10'), tun()]))).toEqual({ status: 200, applied: true, generation: 1 });
      expect([...r.failedServices]).toEqual([['tun', "encapsulation ipip needs the ipip tunnel module, which this edge's kernel lacks"]]);
      expect(r.programmed).toBe(true);
      expect(bird.announce).toBe(true);
      expect(routes.rules.size).toBe(2); // web's two backends only
      expect(routes.applied.flatMap((c) => c.pre)).not.toContainEqual(expect.stringContaining('type ipip'));
      // Its address is still dispatched, to a chain with no backend: refused (TCP reset) and counted.
      const plan = r.lastPlan!.services.find((x) => x.id === 'tun')!;
      expect(plan.backends).toEqual([]);
      expect(nft.scripts.join('\n')).toContain('198.51.100.30 : jump svc_');
    });

    it('a service whose routes the kernel refuses is found, skipped and reported; the rest is programmed', async () => {
      const { r, routes, bird } = setup();
      routes.refuse = /segs fd00:b::66 /;
      const bad = { ...svc('bad', '198.51.100.40', ['x']), backends: [{ id: 'x', address: 'fd00:b::66', weight: 1, enabled: true }] };
      expect(await r.submit(desired(1, [svc('web', '198.51.100.10'), bad, svc('api', '198.51.100.20')]))).toMatchObject({ status: 200, applied: true });
      expect([...r.failedServices.keys()]).toEqual(['bad']);
      expect(r.failedServices.get('bad')).toContain('the kernel refused its tunnel routes');
      expect(r.programmed).toBe(true);
      expect(bird.announce).toBe(true);
      expect([...routes.routes.values()].map((x) => x.segs[0]).sort()).toEqual(['fd00:b::1', 'fd00:b::1', 'fd00:b::2', 'fd00:b::2']);
      // Fixed on the kernel side: the next resync programs it and clears the report.
      routes.refuse = null;
      await r.resync();
      expect(r.failedServices.size).toBe(0);
      expect([...routes.routes.values()].some((x) => x.segs[0] === 'fd00:b::66')).toBe(true);
    });

    it('a failure no single service explains (every batch refused) still withdraws the node', async () => {
      const { r, routes, bird } = setup();
      await r.submit(desired(1));
      routes.refuse = /./;
      expect(await r.submit(desired(2, [svc('web', '198.51.100.10', ['b1', 'b2', 'b3']), svc('api', '198.51.100.20', ['b1', 'b2', 'b3'])]))).toMatchObject({ status: 500 });
      await new Promise((res) => setImmediate(res));
      expect(r.programmed).toBe(false);
      expect(bird.announce).toBe(false);
    });
  });

  it('re-renders only the service whose backend health changed', async () => {
    const { r, nft } = setup();
    await r.submit(desired(1));
    await r.setHealth('api', 'b1', false);
    expect(nft.scripts).toHaveLength(2);
    expect(nft.scripts[1]).toContain(`svc_${serviceKey('api')}`);
    expect(nft.scripts[1]).not.toContain(serviceKey('web'));
    await r.setHealth('api', 'b1', false); // no change, nothing rendered
    expect(nft.scripts).toHaveLength(2);
  });

  it('announces only while at least one backend is usable (or there are no services)', async () => {
    const { r, bird } = setup();
    await r.submit(desired(1, [svc('web', '198.51.100.10', ['b1'])]));
    expect(bird.announce).toBe(true);
    await r.setHealth('web', 'b1', false);
    expect(bird.announce).toBe(false);
    await r.setHealth('web', 'b1', true);
    expect(bird.announce).toBe(true);
    await r.submit(desired(2, []));
    expect(bird.announce).toBe(true);
  });

  it('drain and shutdown withdraw (disable first) without touching the data plane', async () => {
    const { r, bird, nft } = setup();
    await r.submit(desired(1));
    bird.calls = [];
    await r.setOperatorDrain(true);
    expect(bird.calls[0]).toBe('disable');
    expect(bird.config).toContain('disabled yes;');
    await r.setOperatorDrain(false);
    expect(bird.announce).toBe(true);
    await r.submit(desired(2, undefined, { drained: true }));
    expect(bird.announce).toBe(false);
    await r.submit(desired(3));
    await r.shutdown();
    expect(bird.announce).toBe(false);
    expect(nft.scripts.some((s) => s.includes('delete table'))).toBe(false);
  });

  it('restart: restores marks and health, re-applies without touching a kernel that still matches', async () => {
    const first = setup();
    await first.r.submit(desired(1));
    await first.r.setHealth('api', 'b2', false);
    const second = new Reconciler(first.nft, first.routes, first.bird, first.store, OPTS, silent);
    const scripts = first.nft.scripts.length;
    const routeChanges = first.routes.applied.length;
    await expect(second.restore()).resolves.toBe(true);
    expect(second.generation).toBe(1);
    expect(second.healthOf('api', 'b2')).toBe(false);
    expect(first.nft.scripts.length).toBe(scripts);
    expect(first.routes.applied.length).toBe(routeChanges + 1); // an empty change: nothing to do
    expect(first.routes.applied.at(-1)).toEqual({ pre: [], v4: [], v6: [], v4Del: [], v6Del: [], post: [] });
    expect(second.programmed).toBe(true);
  });

  it('resync repairs a service whose objects vanished and writes nothing while the kernel matches', async () => {
    const { r, nft } = setup();
    await r.submit(desired(1));
    await r.resync();
    expect(nft.scripts).toHaveLength(1);
    nft.chains.delete(`fwd_${serviceKey('web')}`);
    await r.resync();
    expect(nft.scripts).toHaveLength(2);
    expect(nft.scripts[1]).toContain(`add chain inet anyfront fwd_${serviceKey('web')}`);
    expect(nft.scripts[1]).not.toContain(serviceKey('api'));
  });

  it('restart into a kernel that refuses the saved state: not announced, retried, and the same generation can be pushed again', async () => {
    const first = setup();
    await first.r.submit(desired(1));
    const nft = new FakeNft();
    nft.failNext = 'nft: table busy';
    const bird = new FakeBird();
    const second = new Reconciler(nft, new FakeRoutes(), bird, first.store, OPTS, silent);
    await second.restore();
    expect(second.programmed).toBe(false);
    expect(second.needsRetry).toBe(true);
    expect(bird.announce).toBe(false);
    await expect(second.submit(desired(1))).resolves.toEqual({ status: 200, applied: true, generation: 1 });
    expect(second.programmed).toBe(true);
    expect(bird.announce).toBe(true);
  });

  it('does not announce before anything is programmed', async () => {
    const { r, bird } = setup();
    await expect(r.restore()).resolves.toBe(false);
    expect(bird.announce).toBe(false);
    expect(r.shouldAnnounce()).toBe(false);
  });

  it('dry run renders but touches nothing', async () => {
    const nft = new FakeNft();
    nft.inventory = () => { throw new Error('a dry run must not read the kernel'); };
    const routes = new FakeRoutes();
    routes.inventory = () => { throw new Error('a dry run must not read the kernel'); };
    const store = new MemStore();
    const r = new Reconciler(nft, routes, null, store, { ...OPTS, dryRun: true }, silent);
    await expect(r.submit(desired(1) as unknown as DesiredState)).resolves.toMatchObject({ status: 200, applied: true });
    expect(nft.scripts).toHaveLength(0);
    expect(routes.applied).toHaveLength(0);
    expect(store.saves).toBe(0);
  });
});

describe('Reconciler: rise and drain (issue 9 §7)', () => {
  function setupWith(opts: Partial<ReconcilerOptions>) {
    const nft = new FakeNft();
    const routes = new FakeRoutes();
    const bird = new FakeBird();
    const r = new Reconciler(nft, routes, bird, new MemStore(), { ...OPTS, ...opts, plan: { ...OPTS.plan, ...opts.plan } }, silent);
    return { nft, routes, bird, r };
  }
  const web = (backends: string[]) => desired(1, [svc('web', '198.51.100.10', backends)]);

  it('with rise required, announces and gives buckets only once a backend passed its checks (control: without rise it announces at once)', async () => {
    const without = setupWith({});
    await without.r.submit(web(['b1', 'b2']));
    expect(without.bird.announce).toBe(true);

    const { r, bird } = setupWith({ plan: { ...OPTS.plan, requireRise: true } });
    await r.submit(web(['b1', 'b2']));
    expect(r.programmed).toBe(true);
    expect(bird.announce).toBe(false);
    expect(r.lastPlan!.services[0].buckets.size).toBe(0);
    await r.setHealth('web', 'b1', true);
    expect(bird.announce).toBe(true);
    expect(new Set(r.lastPlan!.services[0].buckets.values()).size).toBe(1);
  });

  it('a removed backend drains: route and live mark stay, no buckets, removed after backendDrainSeconds (control: 0 removes it at once)', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const cut = setupWith({ backendDrainSeconds: 0 });
      await cut.r.submit(desired(1, [svc('web', '198.51.100.10', ['b1', 'b2'])]));
      await cut.r.submit(desired(2, [svc('web', '198.51.100.10', ['b1'])]));
      expect(cut.routes.rules.size).toBe(1);

      const { r, routes } = setupWith({ backendDrainSeconds: 30 });
      await r.submit(desired(1, [svc('web', '198.51.100.10', ['b1', 'b2'])]));
      const b2 = r.lastPlan!.services[0].backends.find((b) => b.id === 'b2')!.mark;
      await r.submit(desired(2, [svc('web', '198.51.100.10', ['b1'])]));
      const p = r.lastPlan!.services[0];
      expect(p.backends.find((b) => b.id === 'b2')).toMatchObject({ draining: true, mark: b2 });
      expect(p.liveMarks).toContain(b2);
      expect([...p.buckets.values()]).not.toContain(b2);
      expect(routes.rules.size).toBe(2);
      expect(r.drainingBackends.map((d) => d.id)).toEqual(['b2']);

      await jest.advanceTimersByTimeAsync(29_000);
      expect(routes.rules.size).toBe(2);
      await jest.advanceTimersByTimeAsync(2_000);
      expect(routes.rules.size).toBe(1);
      expect(r.lastPlan!.services[0].backends.map((b) => b.id)).toEqual(['b1']);
      expect(r.drainingBackends).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('a backend added back while draining is a normal backend again', async () => {
    const { r } = setupWith({ backendDrainSeconds: 30 });
    await r.submit(desired(1, [svc('web', '198.51.100.10', ['b1', 'b2'])]));
    await r.submit(desired(2, [svc('web', '198.51.100.10', ['b1'])]));
    await r.submit(desired(3, [svc('web', '198.51.100.10', ['b1', 'b2'])]));
    expect(r.drainingBackends).toEqual([]);
    expect(r.lastPlan!.services[0].backends.every((b) => !b.draining)).toBe(true);
    await r.shutdown();
  });
});

describe('Reconciler: health-check paths (issue 9 §7)', () => {
  it('refuses (422) a state whose HTTP health-check path holds CR/LF or spaces; changes nothing', async () => {
    const { r, nft } = setup();
    for (const path of ['/x\r\nHost: evil', '/a b', '/x\n']) {
      const s = svc('web', '198.51.100.10');
      const out = await r.submit(desired(1, [{ ...s, health_check: { ...s.health_check, protocol: 'http', path } }]));
      expect(out).toMatchObject({ status: 422 });
      expect(JSON.stringify(out)).toContain('health_check');
    }
    expect(nft.scripts).toEqual([]);
    const s = svc('web', '198.51.100.10');
    await expect(r.submit(desired(1, [{ ...s, health_check: { ...s.health_check, protocol: 'http', path: '/healthz?full=1' } }]))).resolves.toMatchObject({ status: 200 });
  });
});

describe('Reconciler: ownership verification (issue 8)', () => {
  const TOKEN = `afv_${'a'.repeat(64)}`;
  const withToken = (token = TOKEN) => {
    const web = svc('web', '198.51.100.10');
    (web.backends[0] as Record<string, unknown>).verify_token = token;
    return web;
  };
  const marksWithBuckets = (r: Reconciler) => new Set(r.lastPlan!.services[0].buckets.values());
  const markOf = (r: Reconciler, id: string) => r.lastPlan!.services[0].backends.find((b) => b.id === id)!.mark;

  it('a backend whose state demands a proof gets no new flows until this edge verified exactly its token at its address', async () => {
    const { r } = setup();
    await r.submit(desired(1, [withToken()]));
    expect(marksWithBuckets(r)).toEqual(new Set([markOf(r, 'b2')])); // b1 unverified: out of the Maglev table; b2 asks no proof
    expect(r.lastPlan!.services[0].udpLiveMarks).toEqual([markOf(r, 'b2')]);
    await r.setVerified('web', 'b1', verificationBinding(`afv_${'b'.repeat(64)}`, 'fd00:b::1')); // another token's proof
    expect(marksWithBuckets(r).has(markOf(r, 'b1'))).toBe(false);
    await r.setVerified('web', 'b1', verificationBinding(TOKEN, 'fd00:b::9')); // another server's
    expect(marksWithBuckets(r).has(markOf(r, 'b1'))).toBe(false);
    await r.setVerified('web', 'b1', verificationBinding(TOKEN, 'fd00:b::1'));
    expect(marksWithBuckets(r)).toEqual(new Set([markOf(r, 'b1'), markOf(r, 'b2')]));
    // Still health-checked: verified and unhealthy is out.
    await r.setHealth('web', 'b1', false);
    expect(marksWithBuckets(r).has(markOf(r, 'b1'))).toBe(false);
    await r.setHealth('web', 'b1', true);
    // A new token in the state (the backend row changed) needs a new proof; losing the proof takes it out.
    await r.submit(desired(2, [withToken(`afv_${'c'.repeat(64)}`)]));
    expect(marksWithBuckets(r).has(markOf(r, 'b1'))).toBe(false);
    await r.submit(desired(3, [withToken()]));
    expect(marksWithBuckets(r).has(markOf(r, 'b1'))).toBe(true);
    await r.setVerified('web', 'b1', null);
    expect(marksWithBuckets(r).has(markOf(r, 'b1'))).toBe(false);
  });

  it('an unverified backend alone does not keep the pools announced; the proof survives a restart', async () => {
    const store = new MemStore();
    const web = withToken();
    web.backends = web.backends.slice(0, 1);
    const { r } = setup(store);
    await r.submit(desired(1, [web]));
    expect(r.shouldAnnounce()).toBe(false);
    await r.setVerified('web', 'b1', verificationBinding(TOKEN, 'fd00:b::1'));
    expect(r.shouldAnnounce()).toBe(true);
    const again = setup(store).r;
    await again.restore();
    expect(again.shouldAnnounce()).toBe(true);
    expect(new Set(again.lastPlan!.services[0].buckets.values()).size).toBe(1);
  });
});
