/**
 * The edge agent on a real kernel: namespaces afd-* (client, router, edge running the agent, two
 * backends decapsulating SRv6 by hand), real nft, ip and BIRD. Needs root.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DesiredState } from '@anyfront/contracts';
import { describeKey, generateStateSigner, signDesiredState } from '@anyfront/state-signing';
import { agentNet } from '@anyfront/lab';
import { waitFor } from '@anyfront/testing';

const { addDecap, createNet, destroyNet, inNs, NET, removeDecap, startEchoBackend, startLineClient } = agentNet;
type BackendNet = agentNet.BackendNet;

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../../..');
const WEB = '198.51.100.10';
const DEAD = '198.51.100.20';
const WEB6 = 'fd00:afd:aa::10';
const TOKEN = 'lab-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'afd-lab-'));
const stateFile = join(dir, 'desired.json');
let backends: BackendNet[] = [];
const servers = new Map<string, ChildProcess>();
let agent: ChildProcess | null = null;
let agentPort = 0;
const children: ChildProcess[] = [];
// Plays the control plane: the agent applies only states signed with a key from its config.
const signer = generateStateSigner();

function service(id: string, address: string, hcPort: number, disabled: string[] = []) {
  return {
    id, addresses: id === 'web' ? [{ address, family: 4 }, { address: WEB6, family: 6 }] : [{ address, family: 4 }],
    listeners: [{ protocol: 'tcp', port_from: 8080, port_to: 8080 }, { protocol: 'tcp', port_from: 9000, port_to: 9000 }],
    hash_mode: 'five_tuple', encapsulation: 'srv6', maglev_table_size: 251,
    backends: backends.map((b) => ({ id: b.name, address: b.sid, weight: 1, enabled: !disabled.includes(b.name) })),
    health_check: { protocol: 'http', port: hcPort, path: '/', interval_seconds: 1, timeout_seconds: 0.5, healthy_threshold: 2, unhealthy_threshold: 2 },
  };
}
function desired(generation: number, services: unknown[]) {
  return signDesiredState(unsignedDesired(generation, services), signer);
}
function unsignedDesired(generation: number, services: unknown[]): DesiredState {
  return { version: 1, drained: false, generation, node: { id: 'afd-edge', pop: 'lab', tunnel_source_ipv4: NET.edge.v4, tunnel_source_ipv6: NET.edge.v6 }, hash_seed: 0x5eed, pools: [{ id: 'lab4', prefix: NET.anycastPrefix, family: 4 }], services: services as DesiredState['services'] };
}

async function startAgent(): Promise<void> {
  const log = join(dir, 'agent.log');
  const child = spawn('ip', ['netns', 'exec', NET.edge.ns, process.execPath, '-r', join(ROOT, 'scripts/register.js'), join(ROOT, 'apps/edge-agent/src/main.ts'), '--config', join(dir, 'agent.json')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  agent = child;
  agentPort = await new Promise<number>((res, rej) => {
    let buf = '';
    const onData = (d: Buffer) => {
      writeFileSync(log, d, { flag: 'a' });
      buf += d.toString();
      const m = /"port":(\d+).*"msg":"agent ready"/.exec(buf);
      if (m) res(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => writeFileSync(log, d, { flag: 'a' }));
    child.once('exit', (code) => rej(new Error(`agent exited ${code}; see ${log}`)));
  });
}

async function stopAgent(): Promise<void> {
  const a = agent;
  if (!a || a.exitCode !== null) return;
  await new Promise<void>((res) => {
    a.once('exit', () => res());
    a.kill('SIGTERM');
  });
  agent = null;
}

/** curl inside a namespace; returns curl's exit code and body. */
function curl(ns: string, args: string[], input?: string): { code: number; out: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'curl', '-s', ...args], { input, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout };
}
function api(method: string, path: string, body?: unknown): { status: number; type: string; json: Record<string, unknown> } {
  const args = ['-X', method, '-H', `authorization: Bearer ${TOKEN}`, '-H', 'content-type: application/json', '-w', '\n%{http_code} %{content_type}', `http://127.0.0.1:${agentPort}${path}`];
  if (body !== undefined) args.push('--data-binary', '@-');
  const r = curl(NET.edge.ns, args, body === undefined ? undefined : JSON.stringify(body));
  const lines = r.out.trimEnd().split('\n');
  const [status, type] = lines.pop()!.split(' ');
  return { status: Number(status), type, json: lines.length ? JSON.parse(lines.join('\n')) : {} };
}
const status = () => api('GET', '/v1/status').json as { applied_generation: number; announced: boolean; programmed: boolean; services: { id: string; backends: { id: string; healthy: boolean | null }[] }[] };
const healthOf = (svc: string, b: string) => status().services.find((s) => s.id === svc)?.backends.find((x) => x.id === b)?.healthy;
function metric(name: string, labels: string): number {
  const text = curl(NET.edge.ns, [`http://127.0.0.1:${agentPort}/metrics`]).out;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : NaN;
}
const get = (addr: string, port = 8080, max = 5) => curl(NET.client.ns, ['-m', String(max), `http://${addr.includes(':') ? `[${addr}]` : addr}:${port}/`]);

/** Router forward counter for one destination: how often the router forwarded packets to it (router<->edge bounces included). */
function routerCounter(dst: string): { read: () => number; remove: () => void } {
  const name = `to_${dst.replace(/[.:]/g, '_')}`;
  inNs(NET.router.ns, 'nft', `add table inet afcount; add chain inet afcount watch { type filter hook forward priority 0; }; add counter inet afcount ${name}; add rule inet afcount watch ip daddr ${dst} counter name ${name}`);
  return {
    read: () => (JSON.parse(inNs(NET.router.ns, 'nft', '-j', 'list', 'counter', 'inet', 'afcount', name)).nftables[1].counter as { packets: number }).packets,
    remove: () => inNs(NET.router.ns, 'nft', 'delete table inet afcount'),
  };
}
/** n UDP datagrams, or n TCP SYNs (each connection abandoned after 300 ms, before any retransmission), from the client. */
function sendFromClient(kind: 'udp' | 'syn', dst: string, port: number, n: number): void {
  const js = kind === 'udp'
    ? `const s=require('dgram').createSocket('udp4');let k=0;const f=()=>{if(k++>=${n})return s.close();s.send('x',${port},'${dst}',f)};f();`
    : `const net=require('net');for(let i=0;i<${n};i++){const c=net.connect(${port},'${dst}');c.on('error',()=>{});setTimeout(()=>c.destroy(),300);}`;
  const r = spawnSync('ip', ['netns', 'exec', NET.client.ns, process.execPath, '-e', js], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`client send failed: ${r.stderr}`);
}
const settle = () => new Promise((r) => setTimeout(r, 500));
/** Freezes the agent (no resync repairs) while fn runs. */
async function withAgentFrozen(fn: () => Promise<void> | void): Promise<void> {
  agent!.kill('SIGSTOP');
  try { await fn(); } finally { agent!.kill('SIGCONT'); }
}

const birdRoutes = () => inNs(NET.edge.ns, 'birdc', '-s', join(dir, 'bird.ctl'), 'show', 'route');

beforeAll(async () => {
  backends = await createNet(2, [WEB, DEAD, WEB6]);
  for (const b of backends) servers.set(b.name, await startEchoBackend(b, [WEB, DEAD, WEB6], 8080, 9000));
  writeFileSync(join(dir, 'agent.json'), JSON.stringify({
    node_id: 'afd-edge', state_dir: join(dir, 'state'), desired_state_file: stateFile, listen: { host: '127.0.0.1', port: 0 }, push_token: TOKEN, state_keys: [describeKey(signer.publicKey).public_key], uplink_device: NET.edge.uplink,
    allowed_prefixes: [NET.anycastPrefix, NET.anycastPrefix6], allow_documentation_addresses: true,
    bird: { config_path: join(dir, 'bird.conf'), control_socket: join(dir, 'bird.ctl'), pid_file: join(dir, 'bird.pid'), spawn: true, router_id: NET.edge.v4, local_as: 65011, neighbors: [{ address: '192.0.2.1', as: 65000 }],
      // These tests freeze the agent on purpose (withAgentFrozen): the watchdog must not withdraw meanwhile.
      watchdog: { timeout_seconds: 30 } },
    log_level: 'info',
    resync_interval_seconds: 1,
    health: { probe_uid: 65534, probe_gid: 65534 },
  }));
  // "dead": its health check port has no server, so both backends turn unhealthy and the service has none.
  writeFileSync(stateFile, JSON.stringify(desired(1, [service('web', WEB, 8080), service('dead', DEAD, 8999)])));
  await startAgent();
  await waitFor('health of every backend', () => {
    const s = status();
    return s.services.length === 2 && s.services.every((x) => x.backends.every((b) => b.healthy === (x.id === 'web')));
  });
});

afterAll(async () => {
  await stopAgent().catch(() => undefined);
  if (agent?.pid) agent.kill('SIGKILL');
  for (const c of [...servers.values(), ...children]) if (c.exitCode === null) c.kill('SIGKILL');
  const pidFile = join(dir, 'bird.pid');
  if (existsSync(pidFile)) {
    try { process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL'); } catch { /* gone */ }
  }
  await destroyNet(2);
  rmSync(dir, { recursive: true, force: true });
});

describe('edge agent on a real kernel', () => {
  it('delivers through SRv6 to a backend that sees the real client address, and announces the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = get(WEB);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^backend=b[12] client=${NET.client.v4.replace(/\./g, '\\.')}\\n$`));
      seen.add(r.out.split(' ')[0]);
    }
    expect(seen.size).toBe(2); // Maglev spreads new connections over both backends
    expect(status()).toMatchObject({ applied_generation: 1, programmed: true, announced: true });
    expect(birdRoutes()).toContain('198.51.100.0/24');
    expect(metric('anyfront_agent_address_packets', `address="${WEB}"`)).toBeGreaterThan(0);
  });

  it('delivers IPv6 clients too (IPv6 in SRv6), flows kept in the hashed-key IPv6 flow map', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = get(WEB6);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^backend=b[12] client=${NET.client.v6}\\n$`));
      seen.add(r.out.split(' ')[0]);
    }
    expect(seen.size).toBe(2);
    const flows6 = JSON.parse(inNs(NET.edge.ns, 'nft', '-j', 'list', 'map', 'inet', 'anyfront', 'flows6')).nftables[1].map;
    expect(flows6.elem.length).toBeGreaterThan(0);
    expect(metric('anyfront_agent_address_packets', `address="${WEB6}"`)).toBeGreaterThan(0);
  });

  it('drops and counts traffic to a port without a listener', () => {
    const before = metric('anyfront_agent_listener_dropped_packets', `address="${WEB}"`);
    const r = get(WEB, 8081, 2);
    expect(r.code).toBe(28); // timed out: dropped, not refused
    expect(metric('anyfront_agent_listener_dropped_packets', `address="${WEB}"`)).toBeGreaterThan(before);
  });

  it('answers a service without a healthy backend with a TCP reset instead of black-holing', () => {
    const r = get(DEAD, 8080, 10);
    expect(r.code).toBe(7); // connection refused (RST), not 28 (timeout)
    expect(metric('anyfront_agent_rejected_packets', 'service="dead"')).toBeGreaterThan(0);
  });

  it('refuses an invalid state as a whole (422, problem+json) and keeps the last good one', () => {
    const bad = desired(2, [service('web', WEB, 8080), { ...service('dead', DEAD, 8999), backends: [{ id: 'v4', address: '203.0.113.50', weight: 1, enabled: true }] }]);
    const r = api('POST', '/v1/desired-state', bad);
    expect(r.status).toBe(422);
    expect(r.type).toBe('application/problem+json');
    expect(String(r.json.detail)).toContain('cannot be reached with srv6');
    expect(status().applied_generation).toBe(1);
    expect(get(WEB).code).toBe(0);
  });

  it('applies a newer generation and refuses an older one with 409', () => {
    expect(api('POST', '/v1/desired-state', desired(2, [service('web', WEB, 8080), service('dead', DEAD, 8999)]))).toMatchObject({ status: 200, json: { applied: true, generation: 2 } });
    expect(api('POST', '/v1/desired-state', desired(2, [service('web', WEB, 8080), service('dead', DEAD, 8999)]))).toMatchObject({ status: 200, json: { applied: false } });
    const old = api('POST', '/v1/desired-state', desired(1, [service('web', WEB, 8080)]));
    expect(old.status).toBe(409);
    expect(old.type).toBe('application/problem+json');
    expect(status().applied_generation).toBe(2);
  });

  it('drain withdraws the announcement but keeps forwarding; undrain announces again', async () => {
    expect(api('POST', '/v1/drain')).toMatchObject({ status: 200, json: { drained: true, announced: false } });
    expect(birdRoutes()).not.toContain('198.51.100.0/24');
    expect(get(WEB).code).toBe(0);
    expect(api('POST', '/v1/undrain')).toMatchObject({ status: 200, json: { drained: false, announced: true } });
    expect(birdRoutes()).toContain('198.51.100.0/24');
  });

  it('keeps an established TCP connection on its backend across an agent restart, even when that backend stops taking new flows', async () => {
    const conn = startLineClient(NET.client.ns, WEB, 9000);
    children.push(conn);
    let got = '';
    conn.stdout.on('data', (d: Buffer) => { got += d.toString(); });
    const say = async (word: string) => {
      conn.stdin.write(`${word}\n`);
      return waitFor(`echo of ${word}`, () => { const m = new RegExp(`(b\\d): ${word}\\n`).exec(got); return m ? m[1] : undefined; }, 10_000);
    };
    const owner = await say('one');
    await stopAgent();
    expect(birdRoutes).toThrow(); // the spawned BIRD went down with the agent, after withdrawing
    expect(await say('two')).toBe(owner); // nft was left in place: still forwarding
    // While the agent is down, the control plane disables the connection's backend.
    writeFileSync(stateFile, JSON.stringify(desired(3, [service('web', WEB, 8080, [owner]), service('dead', DEAD, 8999)])));
    await startAgent();
    await waitFor('generation 3', () => status().applied_generation === 3);
    expect(await say('three')).toBe(owner); // flow map survived the restart and the re-apply
    const other = owner === 'b1' ? 'b2' : 'b1';
    for (let i = 0; i < 6; i++) expect(get(WEB).out).toContain(`backend=${other} `); // new flows avoid the disabled backend
    conn.stdin.end();
    writeFileSync(stateFile, JSON.stringify(desired(4, [service('web', WEB, 8080), service('dead', DEAD, 8999)])));
    await waitFor('generation 4', () => status().applied_generation === 4);
  });

  it('repairs drift: a deleted dispatch chain and a deleted policy rule come back by themselves', async () => {
    inNs(NET.edge.ns, 'nft', 'flush chain inet anyfront prerouting; delete chain inet anyfront prerouting');
    const rule = JSON.parse(inNs(NET.edge.ns, 'ip', '-j', '-4', 'rule', 'show')).find((r: { fwmark?: string }) => r.fwmark?.startsWith('0x1000'));
    inNs(NET.edge.ns, 'ip', '-4', 'rule', 'del', 'fwmark', rule.fwmark, 'table', rule.table, 'priority', String(rule.priority));
    const chain = () => { try { return inNs(NET.edge.ns, 'nft', 'list', 'chain', 'inet', 'anyfront', 'prerouting'); } catch { return ''; } };
    expect(chain()).toBe('');
    await waitFor('dispatch rules back', () => chain().includes('@vip4'));
    await waitFor('policy rule back', () => JSON.parse(inNs(NET.edge.ns, 'ip', '-j', '-4', 'rule', 'show')).some((r: { fwmark?: string }) => r.fwmark === rule.fwmark));
    for (let i = 0; i < 6; i++) expect(get(WEB).code).toBe(0);
  });

  it('marks a backend down when its decapsulation is switched off (probes travel the tunnel) and up again when restored', async () => {
    const [b1, b2] = backends;
    await removeDecap(b2);
    await waitFor('b2 unhealthy', () => healthOf('web', 'b2') === false);
    for (let i = 0; i < 8; i++) expect(get(WEB).out).toContain('backend=b1 ');
    await addDecap(b2);
    await waitFor('b2 healthy again', () => healthOf('web', 'b2') === true);
    // Server stopped: the probe's HTTP GET is refused by the backend itself.
    servers.get(b1.name)!.kill('SIGKILL');
    await waitFor('b1 unhealthy', () => healthOf('web', 'b1') === false);
    for (let i = 0; i < 8; i++) expect(get(WEB).out).toContain('backend=b2 ');
    expect(metric('anyfront_agent_backend_healthy', 'service="web",backend="b1"')).toBe(0);
  });

  describe('probe marking (issue 9 §7): only the probe sockets are marked into tunnels', () => {
    const LOCAL = '192.0.2.3'; // a second address of the edge's uplink, reachable from the client
    let port = 0;
    let server: ChildProcess | null = null;
    const ask = (max = 3) => curl(NET.client.ns, ['-m', String(max), `http://${LOCAL}:${port}/`]);
    beforeAll(async () => {
      // A port the probe map marks: the first port of the first backend's probe range.
      const map = JSON.parse(inNs(NET.edge.ns, 'nft', '-j', 'list', 'map', 'inet', 'anyfront', 'probe_ports')).nftables[1].map as { elem: [{ range: [number, number] } | number, unknown][] };
      const first = map.elem[0][0];
      port = typeof first === 'number' ? first : first.range[0];
      inNs(NET.edge.ns, 'ip', 'addr', 'add', `${LOCAL}/26`, 'dev', NET.edge.uplink);
      server = spawn('ip', ['netns', 'exec', NET.edge.ns, process.execPath, '-e', `require('http').createServer((q, r) => r.end('local service\\n')).listen(${port}, '${LOCAL}')`], { stdio: 'ignore' });
      children.push(server);
      await waitFor('local service listening', () => ask().code === 0, 15_000);
    });
    afterAll(() => {
      server?.kill('SIGKILL');
      try { inNs(NET.edge.ns, 'ip', 'addr', 'del', `${LOCAL}/26`, 'dev', NET.edge.uplink); } catch { /* lab torn down anyway */ }
    });

    it('a local service listening on a port in the probe range answers its clients (the rule matches the probe uid only)', () => {
      expect(port).toBeGreaterThanOrEqual(10000);
      expect(inNs(NET.edge.ns, 'nft', 'list', 'chain', 'inet', 'anyfront', 'probe_out')).toMatch(/meta skuid 65534 .*tcp sport map @probe_ports/);
      for (let i = 0; i < 3; i++) expect(ask()).toEqual({ code: 0, out: 'local service\n' });
      // The probes themselves are still marked: the backends are checked through their tunnels.
      expect(healthOf('web', 'b2')).toBe(true);
    });

    it('NEGATIVE CONTROL: with the source-port-only rule (before the fix) the service\'s answers go into a backend\'s tunnel and its clients time out', async () => {
      await withAgentFrozen(async () => {
        inNs(NET.edge.ns, 'nft', 'insert', 'rule', 'inet', 'anyfront', 'probe_out', 'meta', 'l4proto', 'tcp', 'meta', 'mark', 'set', 'tcp', 'sport', 'map', '@probe_ports');
        try {
          expect(ask(2).code).toBe(28); // frozen for less than the watchdog's 5 s
        } finally {
          const rules = JSON.parse(inNs(NET.edge.ns, 'nft', '-j', '-a', 'list', 'chain', 'inet', 'anyfront', 'probe_out')).nftables as { rule?: { handle: number; expr: unknown[] } }[];
          // Only the rule inserted above: the agent's rules match the probe uid or (resets) anycast destinations.
          for (const r of rules) if (r.rule && !JSON.stringify(r.rule.expr).includes('skuid') && !JSON.stringify(r.rule.expr).includes('rst')) inNs(NET.edge.ns, 'nft', 'delete', 'rule', 'inet', 'anyfront', 'probe_out', 'handle', String(r.rule.handle));
        }
      });
      expect(ask().code).toBe(0);
    });
  });

  describe('loop guards (issue 9 §2): a packet nobody serves crosses the router<->edge link once', () => {
    const FREE = '198.51.100.99'; // in the pool, assigned to no service
    const N = 20;
    const poolRule = () => (JSON.parse(inNs(NET.edge.ns, 'ip', '-j', '-4', 'rule', 'show')) as { dst?: string; dstlen?: number; action?: string }[])
      .filter((r) => `${r.dst}/${r.dstlen}` === NET.anycastPrefix && r.action === 'blackhole');

    it('datagrams to a free pool address are dropped at the edge (blackhole per pool): exactly one router forward per datagram', async () => {
      expect(poolRule()).toHaveLength(1);
      const c = routerCounter(FREE);
      try {
        sendFromClient('udp', FREE, 5000, N);
        await settle();
        expect(c.read()).toBe(N);
      } finally { c.remove(); }
    });

    it('NEGATIVE CONTROL: without the pool blackhole rule the same datagrams bounce until their TTL runs out; the agent puts the rule back', async () => {
      const c = routerCounter(FREE);
      try {
        await withAgentFrozen(async () => {
          inNs(NET.edge.ns, 'ip', '-4', 'rule', 'del', 'to', NET.anycastPrefix, 'blackhole', 'priority', '1004');
          sendFromClient('udp', FREE, 5000, N);
          await settle();
        });
        expect(c.read()).toBeGreaterThan(10 * N);
        await waitFor('pool blackhole back (resync)', () => poolRule().length === 1);
      } finally { c.remove(); }
    });

    const ourTables = () => (JSON.parse(inNs(NET.edge.ns, 'ip', '-j', '-4', 'route', 'show', 'table', 'all')) as { table?: string; dst: string }[])
      .filter((r) => Number(r.table) >= 0x100000 && Number(r.table) < 0x100000 + 10000);
    const catchAll = () => (JSON.parse(inNs(NET.edge.ns, 'ip', '-j', '-4', 'rule', 'show')) as { fwmark?: string; fwmask?: string; action?: string; priority: number }[])
      .filter((r) => r.fwmask && r.action === 'blackhole');

    // The pool blackhole would also stop these SYNs (their address is in the pool): it goes too, so only the catch-all is tested.
    const delPoolRule = () => inNs(NET.edge.ns, 'ip', '-4', 'rule', 'del', 'to', NET.anycastPrefix, 'blackhole', 'priority', '1004');

    it('a marked SYN whose backend table lost its route is dropped by the catch-all rule: one router forward per SYN', async () => {
      expect(catchAll().length).toBeGreaterThan(0);
      const c = routerCounter(WEB);
      try {
        await withAgentFrozen(async () => {
          for (const r of ourTables()) inNs(NET.edge.ns, 'ip', '-4', 'route', 'del', r.dst, 'table', String(r.table));
          delPoolRule();
          sendFromClient('syn', WEB, 8080, N);
          await settle();
        });
        expect(c.read()).toBe(N);
        await waitFor('backend routes and pool rule back (resync)', () => ourTables().length > 0 && poolRule().length === 1 && get(WEB).code === 0);
      } finally { c.remove(); }
    });

    it('NEGATIVE CONTROL: without the catch-all rule those SYNs loop; the agent restores rule and routes', async () => {
      const c = routerCounter(WEB);
      try {
        await withAgentFrozen(async () => {
          for (const r of ourTables()) inNs(NET.edge.ns, 'ip', '-4', 'route', 'del', r.dst, 'table', String(r.table));
          delPoolRule();
          for (const r of catchAll()) inNs(NET.edge.ns, 'ip', '-4', 'rule', 'del', 'priority', String(r.priority), 'fwmark', `${r.fwmark}/${r.fwmask}`, 'blackhole');
          sendFromClient('syn', WEB, 8080, N);
          await settle();
        });
        expect(c.read()).toBeGreaterThan(10 * N);
        await waitFor('catch-all, pool rule and routes back (resync)', () => catchAll().length > 0 && poolRule().length === 1 && get(WEB).code === 0);
        // Probes failed while the routes were gone: wait until b2 (b1's server was stopped above) is usable and announced again.
        await waitFor('b2 healthy and announced again', () => healthOf('web', 'b2') === true && status().announced);
        // Probes (IPv4 and IPv6) that timed out while the agent was frozen land late and may turn b2
        // unhealthy once more: let them (interval x unhealthy_threshold + timeout), then wait again.
        await new Promise((r) => setTimeout(r, 2500));
        await waitFor('b2 healthy and announced again (settled)', () => healthOf('web', 'b2') === true && status().announced, 15_000);
      } finally { c.remove(); }
    });
  });

  describe('fault isolation (issue 9 §1): a service this kernel cannot program is skipped, the edge keeps serving', () => {
    const TUN = '198.51.100.30';
    const tun = () => ({ ...service('tun', TUN, 8080), encapsulation: 'ipip', backends: [{ id: 't1', address: '203.0.113.50', weight: 1, enabled: true }] });
    type Status = { programmed: boolean; announced: boolean; capabilities: Record<string, boolean> | null; failed_services: { id: string; reason: string }[] };

    it('CONTROL: this kernel really cannot program ipip (the device cannot be created)', () => {
      expect(() => inNs(NET.edge.ns, 'ip', 'link', 'add', 'afctl0', 'type', 'ipip', 'local', NET.edge.v4, 'remote', '203.0.113.50')).toThrow();
      expect((status() as unknown as Status).capabilities).toMatchObject({ seg6: true, ipip: false, nft: true });
    });

    it('an ipip service is skipped with its reason and refused cleanly (reset, counted); every other service forwards and the pool stays announced', async () => {
      const r = api('POST', '/v1/desired-state', desired(5, [service('web', WEB, 8080), service('dead', DEAD, 8999), tun()]));
      expect(r).toMatchObject({ status: 200, json: { applied: true, generation: 5 } });
      // Probes that failed while the previous test's routes were gone (agent frozen) may still turn b2
      // unhealthy for a moment after it: wait for the announcement to settle with the route in BIRD.
      await waitFor('announced with the pool route in BIRD', () => status().announced && birdRoutes().includes('198.51.100.0/24'), 15_000);
      const st = status() as unknown as Status;
      expect(st).toMatchObject({ programmed: true, announced: true });
      expect(st.failed_services).toEqual([{ id: 'tun', reason: expect.stringContaining('needs the ipip tunnel module') }]);
      for (let i = 0; i < 6; i++) expect(get(WEB).code).toBe(0);
      expect(get(TUN, 8080, 5).code).toBe(7); // connection refused (RST), not a timeout
      expect(metric('anyfront_agent_rejected_packets', 'service="tun"')).toBeGreaterThan(0);
      expect(metric('anyfront_agent_service_failed', 'service="tun"')).toBe(1);
      // Removed again: nothing is reported any more.
      expect(api('POST', '/v1/desired-state', desired(6, [service('web', WEB, 8080), service('dead', DEAD, 8999)])).status).toBe(200);
      expect((status() as unknown as Status).failed_services).toEqual([]);
    });
  });

  it('refuses forged, replayed and other-node states on push and file alike, keeps forwarding the last good one, and takes the next real one', async () => {
    const before = status().applied_generation;
    const good = () => [service('web', WEB, 8080), service('dead', DEAD, 8999)];
    // The attack of issue 8: a generation no later state can beat, 0.0.0.0/1 announced, traffic tunnelled to the metadata address.
    const takeover = {
      ...unsignedDesired(Number.MAX_SAFE_INTEGER, [{ ...service('web', WEB, 8080), encapsulation: 'ipip', backends: [{ id: 'meta', address: '169.254.169.254', weight: 1, enabled: true }] }]),
      pools: [{ id: 'half', prefix: '0.0.0.0/1', family: 4 }],
    } as DesiredState;
    const attacker = generateStateSigner();
    const genuine = desired(before + 1, good());
    const attempts: [string, unknown, RegExp][] = [
      ['unsigned', takeover, /not signed/],
      ['signed by a key the agent does not trust', signDesiredState(takeover, attacker), /unknown key/],
      ['a genuine signature moved onto the forged state', { ...takeover, signature: genuine.signature }, /bad signature/],
      ['a genuine state with its generation raised', { ...genuine, generation: Number.MAX_SAFE_INTEGER }, /bad signature/],
    ];
    for (const [name, body, reason] of attempts) {
      const r = api('POST', '/v1/desired-state', body);
      expect({ name, status: r.status, type: r.type }).toEqual({ name, status: 401, type: 'application/problem+json' });
      expect(String(r.json.detail)).toMatch(reason);
    }
    // Signed by the control plane, but replayed (older generation) or made for another node.
    expect(api('POST', '/v1/desired-state', desired(2, good())).status).toBe(409);
    const otherNode = signDesiredState({ ...unsignedDesired(before + 1, good()), node: { id: 'other-edge', pop: 'lab' } }, signer);
    expect(api('POST', '/v1/desired-state', otherNode)).toMatchObject({ status: 422, json: { detail: expect.stringContaining('for node "other-edge"') } });
    // File mode: the forged state written to the watched file is refused the same way.
    writeFileSync(stateFile, JSON.stringify(takeover));
    await waitFor('file refusal reported', () => /not signed/.test(String((api('GET', '/v1/status').json as { last_error: string | null }).last_error)));
    // Defense in depth: even signed by the control plane's key (a compromised control plane), the
    // takeover is refused by the agent's own policy: 0.0.0.0/1 is outside allowed_prefixes, the
    // metadata address is link-local.
    const signedTakeover = api('POST', '/v1/desired-state', signDesiredState({ ...takeover, generation: before + 1 }, signer));
    expect(signedTakeover).toMatchObject({ status: 422, json: { title: 'Desired state refused by the local policy' } });
    expect(String(signedTakeover.json.detail)).toMatch(/0\.0\.0\.0\/1\) is outside this edge's allowed_prefixes.*169\.254\.169\.254 is a link-local address/);
    // Nothing of it reached the kernel or BIRD; the last good state forwards and is announced.
    // (announced waits for the backend health the previous test switched off and on to settle.)
    await waitFor('last good state programmed and announced', () => { const s = status(); return s.applied_generation === before && s.programmed === true && s.announced === true; });
    expect(birdRoutes()).not.toContain('0.0.0.0/1');
    expect(inNs(NET.edge.ns, 'ip', '-4', 'route', 'show', 'table', 'all')).not.toContain('169.254.169.254');
    for (let i = 0; i < 4; i++) expect(get(WEB).code).toBe(0);
    // Negative control (cheap): the control plane's next state is applied, by push and by file.
    expect(api('POST', '/v1/desired-state', genuine)).toMatchObject({ status: 200, json: { applied: true, generation: before + 1 } });
    writeFileSync(stateFile, JSON.stringify(desired(before + 2, good())));
    await waitFor(`generation ${before + 2} from the file`, () => status().applied_generation === before + 2);
    expect(get(WEB).code).toBe(0);
  });
});
