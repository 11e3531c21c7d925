// Backend kit CLI: prepares a Linux backend to receive Anyfront tunnel traffic, and undoes it.
//   node -r ./scripts/register.js apps/backend-kit/src/main.ts up|down|render [options]
import { parseArgs } from 'node:util';
import { BackendKitError, defaultStateFile, kitDown, kitUp, processRunner } from './executor';
import { BackendKitOptionsError, parseBackendKitOptions, type BackendKitOptions } from './options';
import { planToShell, renderBackendKit } from './render';

const USAGE = `usage: backend-kit up|down|render [options]
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
down takes no options when a state file exists; render prints the script without running it.`;

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
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
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
    await kitUp(opts, ctx);
    process.stdout.write(`backend kit up (${opts.encap}, anycast ${opts.anycast.join(' ')}, MSS ${opts.mss4}/${opts.mss6}); state in ${ctx.stateFile}\n`);
    return 0;
  }
  const problems = await kitDown(ctx, given ? options() : undefined);
  for (const p of problems) process.stderr.write(`down: ${p}\n`);
  if (!problems.length) process.stdout.write('backend kit down\n');
  return problems.length ? 1 : 0;
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
