// Backend kit CLI: prepares a Linux backend to receive Anyfront tunnel traffic, and undoes it; answers
// the edges' ownership challenges.
//   node -r ./scripts/register.js apps/backend-kit/src/main.ts up|down|render|answer|token [options]
import { parseArgs } from 'node:util';
import { BACKEND_VERIFY_PORT } from '@anyfront/contracts';
import { verifyTokenId } from '@anyfront/domain';
import { changeTokens, DEFAULT_TOKEN_FILE, readTokens, startAnswerer } from './answer';
import { BackendKitError, defaultStateFile, kitDown, kitUp, processRunner } from './executor';
import { BackendKitOptionsError, parseBackendKitOptions, type BackendKitOptions } from './options';
import { planToShell, renderBackendKit } from './render';

const USAGE = `usage: backend-kit up|down|render [options]
       backend-kit answer [--token-file PATH] [--port N]
       backend-kit token add|remove TOKEN... [--token-file PATH]; backend-kit token list
  --encap srv6|ipip|ip6ip6|gue   encapsulation the edges use towards this backend
  --anycast ADDR                 service anycast address, IPv4 or IPv6 (repeat for each)
  --backend-address ADDR         this backend's unicast address the edge tunnels to
                                 (srv6: the segment; decapsulates IPv4 and IPv6 inner packets)
  --dev IFNAME                   uplink the tunnel packets arrive on
  --sid4 ADDR / --sid6 ADDR      srv6 only: extra SIDs routed with seg6local End.DX4 / End.DT6
  --gue-port N                   gue only: UDP port of the GUE receiver
  --mtu N                        path MTU edge -> backend (default 1500)
  --mss N / --mss6 N             SYN-ACK MSS for IPv4 / IPv6 (default: mtu - tunnel and TCP/IP headers)
  --state-file PATH              where up records what to undo (default /run/anyfront-backend/<netns>.json)
  --netns NAME                   run every command inside this network namespace
  --verify-token TOKEN           up: this backend's verification token from the portal/API (repeat
                                 for each service this server is a backend of); kept in --token-file
  --token-file PATH              default ${DEFAULT_TOKEN_FILE}
  --port N                       answer: challenge port (default ${BACKEND_VERIFY_PORT}; the edges use ${BACKEND_VERIFY_PORT})
down takes no options when a state file exists; render prints the script without running it.
answer keeps running: it proves to the edges, through the tunnel, that this server holds the tokens
(no tenant traffic reaches a backend before it is verified). Run it as a service.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      encap: { type: 'string' },
      anycast: { type: 'string', multiple: true },
      'backend-address': { type: 'string' },
      dev: { type: 'string' },
      sid4: { type: 'string' },
      sid6: { type: 'string' },
      'gue-port': { type: 'string' },
      mtu: { type: 'string' },
      mss: { type: 'string' },
      mss6: { type: 'string' },
      'state-file': { type: 'string' },
      netns: { type: 'string' },
      'verify-token': { type: 'string', multiple: true },
      'token-file': { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  const tokenFile = values['token-file'] ?? DEFAULT_TOKEN_FILE;
  if (command === 'token' && !values.help) return tokenCommand(positionals.slice(1), tokenFile);
  if (command === 'answer' && !values.help && positionals.length === 1) return answer(tokenFile, values.port);
  if (values.help || !command || !['up', 'down', 'render'].includes(command) || positionals.length > 1) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const given = ['encap', 'anycast', 'backend-address', 'dev'].some((k) => values[k as keyof typeof values] !== undefined);
  const options = (): BackendKitOptions => parseBackendKitOptions({
    encap: values.encap,
    anycast: values.anycast,
    backendAddress: values['backend-address'],
    dev: values.dev,
    sid4: values.sid4,
    sid6: values.sid6,
    guePort: values['gue-port'],
    mtu: values.mtu,
    mss: values.mss,
    mss6: values.mss6,
  });

  if (command === 'render') {
    const plan = renderBackendKit(options());
    process.stdout.write(`# up\n${planToShell(plan, 'up')}\n# down\n${planToShell(plan, 'down')}`);
    return 0;
  }
  const run = processRunner(values.netns);
  const stateFile = values['state-file'] ?? (values.netns ? `/run/anyfront-backend/${values.netns}.json` : await defaultStateFile(run));
  const ctx = { run, stateFile, log: (l: string) => process.stderr.write(`${l}\n`) };
  if (command === 'up') {
    const opts = options();
    // Checked before anything changes, like every other option.
    if (values['verify-token']?.length) validateTokens(values['verify-token']);
    await kitUp(opts, ctx);
    process.stdout.write(`backend kit up (${opts.encap}, anycast ${opts.anycast.join(' ')}, MSS ${opts.mss4}/${opts.mss6}); state in ${ctx.stateFile}\n`);
    if (values['verify-token']?.length) {
      changeTokens(tokenFile, values['verify-token']);
      process.stdout.write(`verification tokens in ${tokenFile}; keep \`backend-kit answer\` running so the edges can verify this backend\n`);
    }
    return 0;
  }
  const problems = await kitDown(ctx, given ? options() : undefined);
  for (const p of problems) process.stderr.write(`down: ${p}\n`);
  if (!problems.length) process.stdout.write('backend kit down\n');
  return problems.length ? 1 : 0;
}

function validateTokens(tokens: string[]): true {
  const bad = tokens.filter((t) => !/^afv_[0-9a-f]{64}$/.test(t));
  if (bad.length) throw new BackendKitOptionsError([`--verify-token must be a backend verification token (afv_ + 64 hex digits, from the portal or the API), got ${bad.map((t) => JSON.stringify(t.slice(0, 12))).join(', ')}`]);
  return true;
}

function tokenCommand(args: string[], file: string): number {
  const [sub, ...tokens] = args;
  if (sub === 'list' && !tokens.length) {
    for (const t of readTokens(file)) process.stdout.write(`${verifyTokenId(t)}\n`);
    return 0;
  }
  if ((sub !== 'add' && sub !== 'remove') || !tokens.length) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  validateTokens(tokens);
  const now = sub === 'add' ? changeTokens(file, tokens) : changeTokens(file, [], tokens);
  process.stdout.write(`${now.length} verification token(s) in ${file}\n`);
  return 0;
}

/** Runs until SIGTERM/SIGINT (a service): the edges' challenges arrive through the tunnel at the anycast addresses. */
async function answer(tokenFile: string, portArg: string | undefined): Promise<number> {
  const port = portArg === undefined ? BACKEND_VERIFY_PORT : Number(portArg);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new BackendKitOptionsError([`--port must be a TCP port (1-65535), got ${JSON.stringify(portArg)}`]);
  const server = await startAnswerer({ tokenFile, port, log: (l) => process.stderr.write(`${new Date().toISOString()} ${l}\n`) });
  process.stdout.write(`backend kit answering verification challenges on port ${port} (${readTokens(tokenFile).length} token(s) in ${tokenFile})\n`);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof BackendKitOptionsError || err instanceof BackendKitError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`backend-kit: ${(err as Error).message}\n`);
      process.exit(2);
    }
    throw err;
  },
);
