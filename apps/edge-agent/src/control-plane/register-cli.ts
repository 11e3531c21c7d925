// Registers this edge node with the control plane, or rotates its credential:
//   node -r ./scripts/register.js apps/edge-agent/src/control-plane/register-cli.ts register \
//     --api http://127.0.0.1:4000 --state-dir /var/lib/anyfront-agent --bootstrap-token afb_... \
//     --push-url http://10.0.0.5:9180/v1/desired-state [--push-token <agent push_token>]
//   node -r ./scripts/register.js apps/edge-agent/src/control-plane/register-cli.ts rotate --state-dir /var/lib/anyfront-agent
// Prints one JSON line {node_id, pop, credential_file, push_token, state_signing_keys, registered}; put node_id and
// control_plane.credential_file (and push_token) into the agent config.
import { ensurePushCertificate } from '../io/push-tls';
import { parseArgs } from 'node:util';
import { ensureRegistered, registrationPaths, rotateCredential } from './registration';

export type CliCommand =
  | { cmd: 'register'; apiUrl: string; stateDir: string; bootstrapToken?: string; pushUrl: string; pushToken?: string }
  | { cmd: 'rotate'; stateDir: string };

export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv = {}): CliCommand {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      api: { type: 'string' },
      'state-dir': { type: 'string' },
      'bootstrap-token': { type: 'string' },
      'push-url': { type: 'string' },
      'push-token': { type: 'string' },
    },
  });
  const cmd = positionals[0];
  const stateDir = values['state-dir'] ?? env.ANYFRONT_AGENT_STATE_DIR;
  if (!stateDir) throw new Error('--state-dir is required');
  if (cmd === 'rotate') return { cmd, stateDir };
  if (cmd !== 'register') throw new Error(`unknown command "${cmd ?? ''}"; use register or rotate`);
  const apiUrl = values.api ?? env.ANYFRONT_AGENT_CONTROL_PLANE_URL;
  const pushUrl = values['push-url'];
  if (!apiUrl) throw new Error('--api (the control plane base URL) is required');
  if (!pushUrl) throw new Error('--push-url (where the control plane reaches this agent, e.g. http://<addr>:9180/v1/desired-state) is required');
  return {
    cmd,
    apiUrl,
    stateDir,
    pushUrl,
    bootstrapToken: values['bootstrap-token'] ?? env.ANYFRONT_AGENT_BOOTSTRAP_TOKEN,
    pushToken: values['push-token'] ?? env.ANYFRONT_AGENT_PUSH_TOKEN,
  };
}

async function main(): Promise<void> {
  const c = parseCliArgs(process.argv.slice(2), process.env);
  // An https:// push URL means listen.tls: make the agent's certificate now, so its fingerprint is registered with the URL.
  const tls = c.cmd === 'register' && c.pushUrl.startsWith('https:') ? await ensurePushCertificate(c.stateDir, 'anyfront-agent') : undefined;
  const r = c.cmd === 'rotate' ? { ...(await rotateCredential(c.stateDir)), registeredNow: false } : await ensureRegistered({ ...c, pushTlsFingerprint: tls?.fingerprint256 });
  console.log(JSON.stringify({ node_id: r.node_id, pop: r.pop, credential_file: registrationPaths(c.stateDir).credential, push_token: r.push_token, state_signing_keys: (r.state_signing_keys ?? []).map((k) => k.key_id), registered: r.registeredNow }));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`[anyfront-agent] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
