import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecResult, Executor } from '../io/exec';
import { parseAgentConfig } from '../config';
import { XdpAgentHook } from './agent-hook';
import { xdpConfigSchema } from './config';

const settings = { uplink: 'e0', flowTimeoutSeconds: 300, handshakeTimeoutSeconds: 10, floodNewFlowsPerSecond: 100_000 };
const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Records commands; `fail` decides which ones exit non-zero. */
function executor(fail: (cmd: string) => boolean, link = '[{"ifname":"e0","linkinfo":{"info_kind":"ixgbe"}}]'): Executor & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run(cmd: string, args: string[]): Promise<ExecResult> {
      const line = [cmd, ...args].join(' ');
      calls.push(line);
      if (fail(line)) return Promise.resolve({ stdout: '', stderr: 'libbpf: Error in bpf_object__probe_loading(): Operation not permitted', code: 255 });
      if (line.includes('test -e')) return Promise.resolve({ stdout: '', stderr: '', code: 1 }); // nothing pinned yet
      return Promise.resolve({ stdout: line.includes('map dump') ? '[]' : line.startsWith('ip -j -d link') ? link : '', stderr: '', code: 0 });
    },
  };
}

describe('XDP fast path in the agent', () => {
  const stateDir = () => mkdtempSync(join(tmpdir(), 'afx-hook-'));

  it('is off in a dry run (nothing probed)', async () => {
    const c = parseAgentConfig({ node_id: 'n', state_dir: '/tmp/x', uplink_device: 'e0' });
    expect(c.datapath).toBeUndefined();
    expect(c.xdp).toMatchObject({ mode: 'native', pin_dir: '/sys/fs/bpf/anyfront' });
    const exec = executor(() => false);
    const hook = new XdpAgentHook(c.xdp, exec, { ...settings, stateDir: null }, log, true);
    await hook.start();
    expect(hook.report()).toEqual({ mode: 'nft', setting: null, xdp_supported: null, xdp_unavailable: 'dry run' });
    expect(exec.calls).toEqual([]);
  });

  it('falls back to nft, and says why, when the kernel refuses the program', async () => {
    const exec = executor((l) => l.includes('prog load'));
    const hook = new XdpAgentHook(xdpConfigSchema.parse({}), exec, { ...settings, stateDir: null }, log);
    await hook.start();
    expect(hook.report()).toMatchObject({ mode: 'nft', xdp_supported: false, xdp_unavailable: expect.stringMatching(/Operation not permitted/) });
    expect(hook.capability).toBe(false);
    expect(exec.calls.some((l) => l.includes('net detach xdp dev e0'))).toBe(true);
    expect(exec.calls.some((l) => l.includes('net attach'))).toBe(false);
  });

  it('default: xdp where the program attaches (control for the case above)', async () => {
    const exec = executor(() => false);
    const hook = new XdpAgentHook(xdpConfigSchema.parse({ mode: 'generic' }), exec, { ...settings, stateDir: null }, log);
    await hook.start();
    expect(hook.report()).toEqual({ mode: 'xdp', setting: null, xdp_supported: true, nft_only_services: [] });
    expect(exec.calls).toContainEqual(expect.stringMatching(/^bpftool net attach xdpgeneric pinned \/sys\/fs\/bpf\/anyfront\/prog dev e0 overwrite$/));
  });

  it('default on a veth uplink: probed (supported), then detached: nft, and it says why', async () => {
    const exec = executor(() => false, '[{"ifname":"e0","linkinfo":{"info_kind":"veth"}}]');
    const hook = new XdpAgentHook(xdpConfigSchema.parse({}), exec, { ...settings, stateDir: null }, log);
    await hook.start();
    expect(hook.report()).toEqual({ mode: 'nft', setting: null, xdp_supported: true, xdp_unavailable: expect.stringMatching(/veth/) });
    expect(exec.calls.filter((l) => /net (attach|detach)/.test(l)).map((l) => l.split(' ').slice(1, 4).join(' '))).toEqual(['net attach xdp', 'net detach xdp', 'net detach xdpgeneric']);
  });

  it('switches at runtime and keeps the setting across a restart; xdp.enabled false (older configs) means nft', async () => {
    const dir = stateDir();
    const exec = executor(() => false);
    const hook = new XdpAgentHook(xdpConfigSchema.parse({ enabled: false }), exec, { ...settings, stateDir: dir }, log);
    await hook.start();
    expect(hook.report()).toMatchObject({ mode: 'nft', setting: 'nft', xdp_supported: true, xdp_unavailable: 'datapath is set to nft' });
    expect(await hook.setDatapath('xdp')).toMatchObject({ mode: 'xdp', setting: 'xdp' });
    const again = new XdpAgentHook(xdpConfigSchema.parse({ enabled: false }), executor(() => false), { ...settings, stateDir: dir }, log);
    await again.start();
    expect(again.report()).toMatchObject({ mode: 'xdp', setting: 'xdp' });
    expect(await again.setDatapath('nft')).toMatchObject({ mode: 'nft', setting: 'nft' });
    rmSync(dir, { recursive: true, force: true });
  });
});
