// Lab test of the backend kit on the real kernel: SRv6 decapsulation into a backend namespace,
// client source preserved, SYN-ACK MSS clamped, and `down` removing exactly what `up` made.
// Needs root, iproute2, nft, socat. Namespaces: afk-edge (client + edge encapsulation), afk-be.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createNamespace, deleteNamespace, run, veth } from '@anyfront/lab';

const ROOT = resolve(__dirname, '../../..');
const EDGE = 'afk-edge';
const BE = 'afk-be';
const EDGE_IF = 'afk-e0';
const BE_IF = 'afk-b0';
const EDGE_ADDR = 'fd00:af6:1::1';
const BE_ADDR = 'fd00:af6:1::2';
const SID4 = 'fd00:af6:5::4';
const SID6 = 'fd00:af6:5::6';
const CLIENT4 = '198.51.100.200';
const CLIENT6 = 'fd00:af6:c::10';
const ANY4 = ['203.0.113.201', '203.0.113.202'];
const ANY6 = 'fd00:af6:a::1';
/** Was on the backend's lo before `up`: the kit must leave it there. */
const PREEXISTING = '203.0.113.203';
const PORT = 8080;
const SYSCTLS = ['net.ipv4.conf.all.rp_filter', `net.ipv4.conf.${BE_IF}.rp_filter`, 'net.ipv4.conf.lo.rp_filter', 'net.ipv6.conf.all.seg6_enabled', `net.ipv6.conf.${BE_IF}.seg6_enabled`];

jest.setTimeout(120_000);

const ns = (name: string, ...args: string[]) => run('ip', ['netns', 'exec', name, ...args]);
const ip = (name: string, ...args: string[]) => run('ip', ['-n', name, ...args]);

let stateFile = '';
const kit = (...args: string[]) =>
  run('ip', ['netns', 'exec', BE, process.execPath, '-r', join(ROOT, 'scripts/register.js'), join(ROOT, 'apps/backend-kit/src/main.ts'), ...args, '--state-file', stateFile], { allowFail: true });
const upArgs = ['up', '--encap', 'srv6', '--anycast', ANY4[0], '--anycast', ANY4[1], '--anycast', ANY6, '--anycast', PREEXISTING, '--backend-address', BE_ADDR, '--dev', BE_IF];

const servers: ChildProcess[] = [];

async function cleanup(): Promise<void> {
  for (const s of servers.splice(0)) if (s.pid) try { process.kill(-s.pid, 'SIGTERM'); } catch { /* gone */ }
  for (const n of [EDGE, BE]) await deleteNamespace(n);
}

/** Connects from the client address; returns what the server saw and the client's send MSS while connected. */
function connect(dst: string, family: 4 | 6, timeoutMs = 8000): Promise<{ seen: string; mss: number }> {
  const target = family === 4 ? `TCP4:${dst}:${PORT},bind=${CLIENT4}` : `TCP6:[${dst}]:${PORT},bind=[${CLIENT6}]`;
  return new Promise((res, rej) => {
    const child = spawn('ip', ['netns', 'exec', EDGE, 'socat', '-T5', '-', target], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill(); rej(new Error(`no answer from ${dst}: ${err}`)); }, timeoutMs);
    child.stderr.on('data', (d) => (err += d));
    child.on('close', () => { clearTimeout(timer); if (!out.includes('\n')) rej(new Error(`connection to ${dst} failed: ${err.trim()}`)); });
    child.stdout.on('data', (d) => {
      out += d;
      if (!out.includes('\n')) return;
      ns(EDGE, 'ss', '-tinH', 'dst', family === 4 ? dst : `[${dst}]`)
        .then((ss) => res({ seen: out.trim(), mss: Number(/\bmss:(\d+)/.exec(ss.stdout)?.[1]) }), rej)
        .finally(() => { child.stdin.end(); child.kill(); });
    });
  });
}

async function nftCounter(name: string): Promise<number> {
  const r = await ns(BE, 'nft', '-j', 'list', 'counter', 'inet', 'anyfront_backend', name);
  const obj = (JSON.parse(r.stdout) as { nftables: { counter?: { packets: number } }[] }).nftables.find((o) => o.counter);
  return obj!.counter!.packets;
}

async function sysctls(): Promise<string[]> {
  return Promise.all(SYSCTLS.map(async (k) => (await ns(BE, 'sysctl', '-n', k)).stdout.trim()));
}

let before: string[] = [];

beforeAll(async () => {
  stateFile = join(mkdtempSync(join(tmpdir(), 'afk-kit-')), 'state.json');
  await cleanup();
  await createNamespace(EDGE);
  await createNamespace(BE);
  await veth({ ns: EDGE, ifname: EDGE_IF, addresses: [`${EDGE_ADDR}/64`] }, { ns: BE, ifname: BE_IF, addresses: [`${BE_ADDR}/64`] });
  // The client lives on the edge namespace's lo; the edge encapsulates towards the backend.
  await ip(EDGE, 'addr', 'add', `${CLIENT4}/32`, 'dev', 'lo');
  await ip(EDGE, 'addr', 'add', `${CLIENT6}/128`, 'dev', 'lo');
  await ip(EDGE, 'sr', 'tunsrc', 'set', EDGE_ADDR);
  await ip(EDGE, '-6', 'route', 'add', 'fd00:af6:5::/64', 'via', BE_ADDR, 'dev', EDGE_IF);
  // Direct server return: the backend replies straight to the client (here: back over the veth).
  await ip(BE, 'route', 'add', `${CLIENT4}/32`, 'via', 'inet6', EDGE_ADDR, 'dev', BE_IF);
  await ip(BE, '-6', 'route', 'add', `${CLIENT6}/128`, 'via', EDGE_ADDR, 'dev', BE_IF);
  await ip(BE, 'addr', 'add', `${PREEXISTING}/32`, 'dev', 'lo');
  // Strict rp_filter on the backend before `up`, so the test sees the kit loosen it and restore it.
  await ns(BE, 'sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=1', `net.ipv4.conf.${BE_IF}.rp_filter=1`);
  before = await sysctls();

  for (const listen of [`TCP4-LISTEN:${PORT},fork,reuseaddr`, `TCP6-LISTEN:${PORT},ipv6only=1,fork,reuseaddr`]) {
    const s = spawn('ip', ['netns', 'exec', BE, 'socat', listen, 'SYSTEM:echo $SOCAT_SOCKADDR $SOCAT_PEERADDR; sleep 1'], { detached: true, stdio: 'ignore' });
    servers.push(s);
  }
});

afterAll(async () => {
  await cleanup();
  rmSync(join(stateFile, '..'), { recursive: true, force: true });
});

async function routeEdge(seg4: string, seg6: string): Promise<void> {
  for (const a of ANY4) await ip(EDGE, 'route', 'replace', `${a}/32`, 'encap', 'seg6', 'mode', 'encap', 'segs', seg4, 'dev', EDGE_IF);
  await ip(EDGE, '-6', 'route', 'replace', `${ANY6}/128`, 'encap', 'seg6', 'mode', 'encap', 'segs', seg6, 'dev', EDGE_IF);
}

describe('backend kit on a real kernel (SRv6)', () => {
  it('refuses bad options and a missing device without changing anything', async () => {
    const bad = await kit('up', '--encap', 'srv6', '--anycast', ANY4[0], '--backend-address', '192.0.2.1', '--dev', BE_IF);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/srv6 needs an IPv6 --backend-address/);
    const nodev = await kit(...upArgs.slice(0, -1), 'afk-missing');
    expect(nodev.code).toBe(2);
    expect(nodev.stderr).toMatch(/ip link show dev afk-missing. failed/);
    expect((await ns(BE, 'nft', 'list', 'tables')).stdout).not.toContain('anyfront_backend');
    expect(await sysctls()).toEqual(before);
    expect(existsSync(stateFile)).toBe(false);
  });

  it('decapsulates packets sent to the backend address, keeps the client address and clamps the MSS', async () => {
    const r = await kit(...upArgs);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    if (r.code !== 0) throw new Error(r.stderr);
    await routeEdge(BE_ADDR, BE_ADDR);
    const clamp4 = await nftCounter('mss_clamp_ipv4');
    for (const a of ANY4) {
      const c = await connect(a, 4);
      expect(c.seen).toBe(`${a} ${CLIENT4}`);
      // Without the clamp the client would send 1448-byte segments (1460 minus timestamps).
      expect(c.mss).toBeLessThanOrEqual(1396);
    }
    expect(await nftCounter('mss_clamp_ipv4')).toBeGreaterThanOrEqual(clamp4 + 2);
    const c6 = await connect(ANY6, 6);
    expect(c6.seen).toBe(`[${ANY6}] [${CLIENT6}]`.replace(/\[([^\]]+)\]/g, (_m, a: string) => `[${expandV6(a)}]`));
    expect(c6.mss).toBeLessThanOrEqual(1376);
    expect(await nftCounter('mss_clamp_ipv6')).toBeGreaterThanOrEqual(1);
    expect(await sysctls()).toEqual(['2', '2', '2', '1', '1']);
  });

  it('with --sid4/--sid6, decapsulates through seg6local End.DX4 / End.DT6 routes (re-up replaces the previous up)', async () => {
    const r = await kit(...upArgs, '--sid4', SID4, '--sid6', SID6);
    if (r.code !== 0) throw new Error(`up failed: ${r.stderr}`);
    const routes = (await ip(BE, '-6', 'route', 'show')).stdout;
    expect(routes).toMatch(new RegExp(`${SID4} +encap seg6local action End.DX4 nh4 0.0.0.0`));
    expect(routes).toMatch(new RegExp(`${SID6} +encap seg6local action End.DT6 table local`));
    // Re-up did not duplicate anything.
    const lo = (await ip(BE, '-j', 'addr', 'show', 'dev', 'lo')).stdout;
    expect(lo.split(`"${ANY4[0]}"`).length - 1).toBe(1);
    await routeEdge(SID4, SID6);
    for (const a of ANY4) expect((await connect(a, 4)).seen).toBe(`${a} ${CLIENT4}`);
    expect((await connect(ANY6, 6)).seen).toContain(expandV6(CLIENT6));
  });

  it('down removes exactly what up made, restores sysctls, and is idempotent', async () => {
    const r = await kit('down');
    if (r.code !== 0) throw new Error(`down failed: ${r.stderr}`);
    expect((await ns(BE, 'nft', 'list', 'tables')).stdout).not.toContain('anyfront_backend');
    expect((await ip(BE, '-6', 'route', 'show')).stdout).not.toContain('seg6local');
    const lo = (await ip(BE, 'addr', 'show', 'dev', 'lo')).stdout;
    for (const a of [...ANY4, ANY6]) expect(lo).not.toContain(`${a}/`);
    expect(lo).toContain(`${PREEXISTING}/32`);
    expect(await sysctls()).toEqual(before);
    expect(existsSync(stateFile)).toBe(false);
    await expect(connect(ANY4[0], 4, 2000)).rejects.toThrow();

    const again = await kit('down');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('backend kit down');
  });
});

/** socat prints IPv6 peers fully expanded (fd00:000a:...). */
function expandV6(a: string): string {
  const [head, tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}
