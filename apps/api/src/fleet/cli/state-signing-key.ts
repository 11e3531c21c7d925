// The control plane's desired-state signing key (SECURITY.md):
//   node -r ./scripts/register.js apps/api/src/fleet/cli/state-signing-key.ts generate <file.pem>
//       creates an Ed25519 key file (0600) unless it exists; prints {file, key_id, public_key}
//   node -r ./scripts/register.js apps/api/src/fleet/cli/state-signing-key.ts show
//       the keys agents are told to trust, from STATE_SIGNING_KEY / STATE_SIGNING_KEY_FILE / STATE_SIGNING_EXTRA_PUBLIC_KEYS
//   node -r ./scripts/register.js apps/api/src/fleet/cli/state-signing-key.ts sign --key <file.pem> <desired-state.json>
//       prints the state signed with that key (for an agent run without a control plane)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { desiredStateSchema } from '@anyfront/contracts';
import { describeKey, loadStateSigningKeys, readOrCreateKeyFile, signDesiredState, signerFromPrivateKey } from '@anyfront/state-signing';

function main(): void {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { key: { type: 'string' } } });
  const [cmd, arg] = positionals;
  if (cmd === 'generate' && arg) {
    const { key, created } = readOrCreateKeyFile(arg);
    console.log(JSON.stringify({ file: arg, created, ...describeKey(signerFromPrivateKey(key).publicKey) }));
  } else if (cmd === 'show') {
    const k = loadStateSigningKeys(process.env);
    console.log(JSON.stringify({ signing_key_id: k.signer.keyId, source: k.source, published: k.published }));
  } else if (cmd === 'sign' && arg && values.key) {
    const { signature: _old, ...unsigned } = JSON.parse(readFileSync(arg, 'utf8')) as Record<string, unknown>;
    const signer = signerFromPrivateKey(readOrCreateKeyFile(values.key).key);
    console.log(JSON.stringify(signDesiredState(desiredStateSchema.parse(unsigned), signer), null, 2));
  } else {
    throw new Error('usage: state-signing-key.ts generate <file.pem> | show | sign --key <file.pem> <desired-state.json>');
  }
}

try {
  main();
} catch (err) {
  console.error(`[state-signing-key] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
