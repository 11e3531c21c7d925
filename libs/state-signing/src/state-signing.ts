import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import {
  STATE_SIGNATURE_ALGORITHM,
  stateSignatureSchema,
  type DesiredState,
  type SignedDesiredState,
  type StateSigningKey,
} from '@anyfront/contracts';
import { canonicalJson } from './canonical-json';

/**
 * Ed25519 signatures over desired states (SECURITY.md, "What is signed"). The signed bytes are a
 * fixed context line plus the canonical JSON (sorted keys) of the state without its `signature`, so
 * a signature made for a desired state can never be replayed as another kind of signed object, and
 * the node id and generation inside the state are covered: a state is bound to its node, and a
 * replayed older one is refused by generation.
 */
const CONTEXT = 'anyfront desired state v1\n';

export interface StateSigner {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Raw 32-byte public key in base64url (the JWK `x` member). */
export function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return jwk.x;
}

export function stateKeyId(publicKey: KeyObject | string): string {
  const raw = typeof publicKey === 'string' ? publicKey : rawPublicKey(publicKey);
  return createHash('sha256').update(Buffer.from(raw, 'base64url')).digest('base64url').slice(0, 16);
}

export function publicKeyFromRaw(raw: string): KeyObject {
  if (!/^[A-Za-z0-9_-]{43}$/.test(raw) || Buffer.from(raw, 'base64url').length !== 32) {
    throw new Error(`not a raw Ed25519 public key in base64url: "${raw.slice(0, 60)}"`);
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw }, format: 'jwk' });
}

export function describeKey(publicKey: KeyObject): StateSigningKey {
  const raw = rawPublicKey(publicKey);
  return { key_id: stateKeyId(raw), public_key: raw };
}

export function signerFromPrivateKey(privateKey: KeyObject): StateSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the state signing key must be Ed25519, not ${privateKey.asymmetricKeyType ?? 'symmetric'}`);
  const publicKey = createPublicKey(privateKey);
  return { keyId: stateKeyId(publicKey), privateKey, publicKey };
}

export function generateStateSigner(): StateSigner {
  return signerFromPrivateKey(generateKeyPairSync('ed25519').privateKey);
}

function signedBytes(unsigned: unknown): { bytes: Buffer; canonical: string } {
  const canonical = canonicalJson(unsigned);
  return { bytes: Buffer.from(CONTEXT + canonical, 'utf8'), canonical };
}

/** The state with its `signature` (an existing one is replaced). */
export function signDesiredState(state: DesiredState, signer: StateSigner): SignedDesiredState {
  const { signature: _old, ...unsigned } = state as DesiredState & { signature?: unknown };
  const value = sign(null, signedBytes(unsigned).bytes, signer.privateKey).toString('base64url');
  return { ...unsigned, signature: { alg: STATE_SIGNATURE_ALGORITHM, key_id: signer.keyId, value } };
}

/** Trusted public keys by key id (the id is derived from the key, never taken from the input). */
export function trustedStateKeys(rawKeys: Iterable<string>): Map<string, KeyObject> {
  const out = new Map<string, KeyObject>();
  for (const raw of rawKeys) out.set(stateKeyId(raw), publicKeyFromRaw(raw));
  return out;
}

export type StateVerification =
  | { ok: true; keyId: string; /** The verified state without its signature, re-read from the signed bytes. */ state: unknown }
  | { ok: false; reason: string };

/**
 * Checks the signature of a received desired state against the trusted keys. On success the
 * returned state is parsed back from the exact bytes that were verified, so nothing the signature
 * does not cover (a `__proto__` member, say) reaches the caller.
 */
export function verifySignedState(raw: unknown, trusted: ReadonlyMap<string, KeyObject>): StateVerification {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'a desired state must be a JSON object' };
  const { signature, ...unsigned } = raw as Record<string, unknown>;
  if (signature === undefined) return { ok: false, reason: 'the desired state is not signed; only states signed by the control plane are applied' };
  const sig = stateSignatureSchema.safeParse(signature);
  if (!sig.success) return { ok: false, reason: `malformed signature: ${sig.error.issues.map((i) => `${i.path.join('.') || 'signature'}: ${i.message}`).join('; ')}` };
  if (trusted.size === 0) return { ok: false, reason: 'this agent trusts no state signing key yet (register it with the control plane or set state_keys)' };
  const key = trusted.get(sig.data.key_id);
  if (!key) return { ok: false, reason: `signed by unknown key ${sig.data.key_id}; trusted keys: ${[...trusted.keys()].join(', ')}` };
  const { bytes, canonical } = signedBytes(unsigned);
  if (!verify(null, bytes, key, Buffer.from(sig.data.value, 'base64url'))) {
    return { ok: false, reason: `bad signature: the state was not signed by key ${sig.data.key_id} or was changed after signing` };
  }
  return { ok: true, keyId: sig.data.key_id, state: JSON.parse(canonical) as unknown };
}
