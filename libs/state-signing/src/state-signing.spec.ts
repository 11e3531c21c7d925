import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESIRED_STATE_VERSION, type DesiredState, signedDesiredStateSchema } from '@anyfront/contracts';
import { loadStateSigningKeys, readOrCreateKeyFile } from './state-signing-key';
import { describeKey, generateStateSigner, signDesiredState, trustedStateKeys, verifySignedState } from './state-signing';

const state = (over: Partial<DesiredState> = {}): DesiredState => ({
  version: DESIRED_STATE_VERSION,
  generation: 7,
  node: { id: 'edge-a', pop: 'ams', tunnel_source_ipv6: 'fd00:0:1::1' },
  hash_seed: 42,
  drained: false,
  pools: [{ id: 'p4', prefix: '198.51.100.0/24', family: 4 }],
  services: [],
  ...over,
});

describe('desired-state signatures (Ed25519)', () => {
  const signer = generateStateSigner();
  const trusted = trustedStateKeys([describeKey(signer.publicKey).public_key]);

  it('verifies a signed state and hands back exactly the signed content', () => {
    const signed = signDesiredState(state(), signer);
    expect(signedDesiredStateSchema.parse(signed).signature.key_id).toBe(signer.keyId);
    // Key order on the wire does not matter (canonical JSON): reverse every member order.
    const shuffled = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(signed).reverse())));
    const v = verifySignedState(shuffled, trusted);
    expect(v).toMatchObject({ ok: true, keyId: signer.keyId });
    expect(v.ok && v.state).toEqual(state());
  });

  it.each([
    ['unsigned', (s: Record<string, unknown>) => { delete s.signature; }, /not signed/],
    ['generation raised (forged 2^53-1)', (s: Record<string, unknown>) => { s.generation = Number.MAX_SAFE_INTEGER; }, /bad signature/],
    ['another node', (s: Record<string, unknown>) => { (s.node as { id: string }).id = 'edge-b'; }, /bad signature/],
    ['a pool added', (s: Record<string, unknown>) => { (s.pools as unknown[]).push({ id: 'x', prefix: '0.0.0.0/1', family: 4 }); }, /bad signature/],
    ['a member the signature does not know', (s: Record<string, unknown>) => { s.extra = 1; }, /bad signature/],
    ['signature value flipped', (s: Record<string, unknown>) => { const sig = s.signature as { value: string }; sig.value = (sig.value.startsWith('A') ? 'B' : 'A') + sig.value.slice(1); }, /bad signature/],
    ['malformed signature', (s: Record<string, unknown>) => { s.signature = { alg: 'ed25519', key_id: 'x', value: 'y' }; }, /malformed signature/],
    ['other algorithm', (s: Record<string, unknown>) => { (s.signature as { alg: string }).alg = 'none'; }, /malformed signature/],
  ])('refuses a state: %s', (_name, mutate, reason) => {
    const s = JSON.parse(JSON.stringify(signDesiredState(state(), signer))) as Record<string, unknown>;
    mutate(s);
    const v = verifySignedState(s, trusted);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reason).toMatch(reason);
  });

  it('refuses a state signed by a key it does not trust, and everything when it trusts none', () => {
    const other = generateStateSigner();
    const signed = signDesiredState(state(), other);
    expect(verifySignedState(signed, trusted)).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown key/) });
    expect(verifySignedState(signed, new Map())).toMatchObject({ ok: false, reason: expect.stringMatching(/trusts no state signing key/) });
    // A key set during rotation: either key verifies.
    const both = trustedStateKeys([describeKey(signer.publicKey).public_key, describeKey(other.publicKey).public_key]);
    expect(verifySignedState(signed, both).ok).toBe(true);
  });

  it('drops what the signature does not cover (__proto__ from JSON.parse)', () => {
    const text = JSON.stringify(signDesiredState(state(), signer)).replace(/^\{/, '{"__proto__":{"drained":true},');
    const v = verifySignedState(JSON.parse(text), trusted);
    expect(v.ok).toBe(true);
    expect(v.ok && Object.keys(v.state as object)).not.toContain('__proto__');
  });
});

describe('state signing key loading', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'af-statekey-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the key file at first start (0600) and loads the same key afterwards', () => {
    const first = loadStateSigningKeys({ NODE_ENV: 'test' }, dir);
    expect(first.source).toMatch(/state-signing-key\.pem \(created\)$/);
    expect(statSync(join(dir, '.data/state-signing-key.pem')).mode & 0o777).toBe(0o600);
    const again = loadStateSigningKeys({ NODE_ENV: 'test' }, dir);
    expect(again.signer.keyId).toBe(first.signer.keyId);
    expect(readOrCreateKeyFile(join(dir, '.data/state-signing-key.pem')).created).toBe(false);
  });

  it('takes STATE_SIGNING_KEY, publishes extra public keys for a rotation, and requires a key in production', () => {
    const pem = generateStateSigner().privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const next = describeKey(generateStateSigner().publicKey);
    const k = loadStateSigningKeys({ NODE_ENV: 'production', STATE_SIGNING_KEY: pem, STATE_SIGNING_EXTRA_PUBLIC_KEYS: `${next.public_key}` }, dir);
    expect(k.published.map((p) => p.key_id)).toEqual([k.signer.keyId, next.key_id]);
    expect(() => loadStateSigningKeys({ NODE_ENV: 'production' }, dir)).toThrow(/STATE_SIGNING_KEY_FILE or STATE_SIGNING_KEY: required/);
    expect(() => loadStateSigningKeys({ STATE_SIGNING_KEY: 'nope' }, dir)).toThrow(/not an Ed25519 private key/);
    expect(existsSync(join(dir, '.data/state-signing-key.pem'))).toBe(false); // production never invents a key
  });
});
