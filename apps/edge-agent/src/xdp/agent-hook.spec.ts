import type { ExecResult, Executor } from '../io/exec';
import { parseAgentConfig } from '../config';
import { XdpAgentHook } from './agent-hook';
import { xdpConfigSchema } from './config';

const settings = { uplink: 'e0', flowTimeoutSeconds: 300, handshakeTimeoutSeconds: 10, floodNewFlowsPerSecond: 100_000 };
const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Records commands; `fail` decides which ones exit non-zero. */
function executor(fail: (cmd: string) => boolean): Executor & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run(cmd: string, args: string[]): Promise<ExecResult> {
      const line = [cmd, ...args].join(' ');
      calls.push(line);
      if (fail(line)) return Promise.resolve({ stdout: '', stderr: 'libbpf: Error in bpf_object__probe_loading(): Operation not permitted', code: 255 });
      return Promise.resolve({ stdout: line.includes('map dump') ? '[]' : '', stderr: '', code: 0 });
    },
  };
}

describe('XDP fast path in the agent', () => {
  it('is off unless the config enables it', () => {
    const c = parseAgentConfig({ node_id: 'n', state_dir: '/tmp/x', uplink_device: 'e0' });
    expect(c.xdp).toMatchObject({ enabled: false, mode: 'native', pin_dir: '/sys/fs/bpf/anyfront' });
    expect(new XdpAgentHook(c.xdp, executor(() => false), settings, log).report()).toEqual({ mode: 'nft', xdp_unavailable: 'xdp.enabled is false in the agent config' });
  });

  it('falls back to nft, and says why, when the kernel refuses the program', async () => {
    const exec = executor((l) => l.includes('prog load'));
    const hook = new XdpAgentHook(xdpConfigSchema.parse({ enabled: true }), exec, settings, log);
    await hook.start();
    expect(hook.report()).toMatchObject({ mode: 'nft', xdp_unavailable: expect.stringMatching(/Operation not permitted/) });
    expect(exec.calls.some((l) => l.includes('net detach xdp dev e0'))).toBe(true);
    expect(exec.calls.some((l) => l.includes('net attach'))).toBe(false);
  });

  it('attaches to the uplink when the kernel takes it (control for the case above)', async () => {
    const exec = executor(() => false);
    const hook = new XdpAgentHook(xdpConfigSchema.parse({ enabled: true, mode: 'generic' }), exec, settings, log);
    await hook.start();
    expect(hook.report()).toEqual({ mode: 'xdp', nft_only_services: [] });
    expect(exec.calls).toContainEqual(expect.stringMatching(/^bpftool net attach xdpgeneric pinned \/sys\/fs\/bpf\/anyfront\/prog dev e0 overwrite$/));
  });
});
