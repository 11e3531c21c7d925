import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { desiredStateSchema } from '@anyfront/contracts';
import { createLogger } from '@anyfront/logging';
import { allocateMarks, buildPlan, buildRouting, emptyAllocation, EMPTY_INVENTORY, renderBirdConfig, renderNftChange, renderRoutingChange, wantedMarkKeys } from '@anyfront/dataplane';
import { ConfigError, loadAgentConfig } from './config';
import { Agent } from './agent';
import { ProcessExecutor } from './io/exec';
import { BirdWatchdog } from './watchdog';

/**
 * CLI: `main.ts [--config <path>] [--dry-run] [--desired-state <path>]` runs the daemon;
 * `main.ts render --config <path> --desired-state <path>` prints what a state renders to.
 */
async function main(): Promise<void> {
  if (process.argv[2] === 'watchdog') return watchdog(process.argv.slice(3));
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { config: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'desired-state': { type: 'string' } },
  });
  const env = { ...process.env };
  if (values['dry-run']) env.ANYFRONT_AGENT_DRY_RUN = '1';
  if (values['desired-state']) env.ANYFRONT_AGENT_DESIRED_STATE_FILE = values['desired-state'];
  const config = loadAgentConfig(values.config, env);
  const log = createLogger({ app: 'agent', level: config.log_level, base: { node_id: config.node_id } });

  if (positionals[0] === 'render') return render(config);
  if (positionals.length) throw new ConfigError(`unknown command ${positionals[0]} (commands: render)`);

  const agent = new Agent(config, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.warn({ signal }, 'shutting down: withdrawing announcements');
    agent.stop().then(() => process.exit(0), (e) => { log.error({ err: (e as Error).message }, 'stop failed'); process.exit(1); });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => void agent.loadFile('SIGHUP'));
  await agent.start();
}

/**
 * `main.ts watchdog --heartbeat <file> --socket <birdc socket> [--timeout 5] [--birdc birdc] [--bird-pid <pid>]`:
 * withdraws the pools when the agent stops heartbeating (watchdog.ts). The agent spawns it next to
 * a BIRD it spawns; with systemd it is the anyfront-bird-watchdog unit (infra/systemd).
 */
function watchdog(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: { heartbeat: { type: 'string' }, socket: { type: 'string' }, timeout: { type: 'string', default: '5' }, birdc: { type: 'string', default: 'birdc' }, 'bird-pid': { type: 'string' }, 'agent-pid': { type: 'string' }, 'log-level': { type: 'string', default: 'info' } },
  });
  const timeout = Number(values.timeout);
  const birdPid = values['bird-pid'] === undefined ? undefined : Number(values['bird-pid']);
  const agentPid = values['agent-pid'] === undefined ? undefined : Number(values['agent-pid']);
  if (!values.heartbeat || !values.socket || !(timeout > 0) || (birdPid !== undefined && !(birdPid > 0))) {
    throw new ConfigError('usage: main.ts watchdog --heartbeat <file> --socket <birdc socket> [--timeout <seconds>] [--birdc <path>] [--bird-pid <pid>] [--agent-pid <pid>]');
  }
  const level = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].includes(values['log-level']) ? (values['log-level'] as 'info') : 'info';
  const log = createLogger({ app: 'bird-watchdog', level });
  const dog = new BirdWatchdog(new ProcessExecutor(), { heartbeatFile: values.heartbeat, controlSocket: values.socket, timeoutMs: timeout * 1000, birdc: values.birdc, birdPid, agentPid }, log, () => process.exit(0));
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => { dog.stop(); process.exit(0); });
  log.info({ heartbeat: values.heartbeat, timeout_seconds: timeout, bird_pid: birdPid }, 'BIRD watchdog running');
  dog.start();
}

/** Pure rendering of a desired state against an empty node, for operators and debugging. */
function render(config: ReturnType<typeof loadAgentConfig>): void {
  if (!config.desired_state_file) throw new ConfigError('render needs --desired-state <path>');
  // Rendering touches nothing, so a signature is not checked here (the daemon checks it before applying).
  const { signature: _signature, ...unsigned } = JSON.parse(readFileSync(config.desired_state_file, 'utf8')) as Record<string, unknown>;
  const state = desiredStateSchema.parse(unsigned);
  const marks = allocateMarks(emptyAllocation(config.mark_base, config.mark_count), wantedMarkKeys(state));
  const plan = buildPlan(state, marks, () => undefined, { table: config.nft_table, flowTimeoutSeconds: config.flow_timeout_seconds, flowTableSize: config.flow_table_size, flowHandshakeTimeoutSeconds: config.flow_handshake_timeout_seconds, floodNewFlowsPerSecond: config.flood_new_flows_per_second, probePortBase: config.health.source_port_base, probeUid: config.health.probe_uid });
  const sources = { ipv4: state.node.tunnel_source_ipv4 ?? config.tunnel_source_ipv4, ipv6: state.node.tunnel_source_ipv6 ?? config.tunnel_source_ipv6 };
  const routing = renderRoutingChange(buildRouting(plan, { uplink: config.uplink_device, rulePriority: config.rule_priority, devicePrefix: config.tunnel_device_prefix, sources }), { rules: [], routes: [], links: [] }, { devicePrefix: config.tunnel_device_prefix });
  process.stdout.write(`# nft -f -\n${renderNftChange(null, plan, EMPTY_INVENTORY).script}\n`);
  process.stdout.write(`# ip -batch -\n${routing.pre.join('\n')}\n# ip -4 -batch -\n${routing.v4.join('\n')}\n# ip -6 -batch -\n${routing.v6.join('\n')}\n`);
  if (config.bird) {
    const b = config.bird;
    process.stdout.write(`# ${b.config_path}\n${renderBirdConfig({ routerId: b.router_id, localAs: b.local_as, neighbors: b.neighbors, bfd: b.bfd, holdTime: b.hold_time, keepaliveTime: b.keepalive_time, pools: state.pools, announce: true })}`);
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof ConfigError ? e.message : (e as Error).stack}\n`);
  process.exit(e instanceof ConfigError ? 2 : 1);
});
