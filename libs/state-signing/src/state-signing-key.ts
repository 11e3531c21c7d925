import { createPrivateKey, type KeyObject } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { StateSigningKey } from '@anyfront/contracts';
import { describeKey, generateStateSigner, publicKeyFromRaw, signerFromPrivateKey, type StateSigner } from './state-signing';

/**
 * Where the control plane (API and worker) gets its desired-state signing key (README,
 * configuration; SECURITY.md, key rotation):
 * - `STATE_SIGNING_KEY`: the Ed25519 private key as PKCS#8 PEM, or the base64 of its DER;
 * - else `STATE_SIGNING_KEY_FILE` (PEM), created at first start when missing;
 * - else, in development and test only, `.data/state-signing-key.pem` (created at first start).
 * `STATE_SIGNING_EXTRA_PUBLIC_KEYS` lists more public keys (raw base64url, comma-separated) that
 * agents are told to trust, for a rotation.
 */
export interface StateSigningKeys {
  signer: StateSigner;
  /** What agents should trust, the signer's key first: given at registration. */
  published: StateSigningKey[];
  /** Where the private key came from (for the start-up log; never the key). */
  source: string;
}

export const DEFAULT_STATE_SIGNING_KEY_FILE = '.data/state-signing-key.pem';

function parsePrivateKey(text: string, where: string): KeyObject {
  const t = text.trim();
  try {
    return t.startsWith('-----BEGIN') ? createPrivateKey(t) : createPrivateKey({ key: Buffer.from(t, 'base64'), format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw new Error(`${where}: not an Ed25519 private key in PKCS#8 PEM or base64 DER (${(e as Error).message})`);
  }
}

/** Reads the key file, or creates it (mode 0600) when missing; two processes starting at once end up with the same key. */
export function readOrCreateKeyFile(path: string): { key: KeyObject; created: boolean } {
  try {
    return { key: parsePrivateKey(readFileSync(path, 'utf8'), path), created: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  const pem = generateStateSigner().privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  writeFileSync(tmp, pem, { mode: 0o600 });
  let created = true;
  try {
    linkSync(tmp, path); // fails if another process created it meanwhile: then its key wins
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    created = false;
  } finally {
    unlinkSync(tmp);
  }
  return { key: parsePrivateKey(readFileSync(path, 'utf8'), path), created };
}

export function loadStateSigningKeys(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): StateSigningKeys {
  const nodeEnv = env.NODE_ENV || 'development';
  let privateKey: KeyObject;
  let source: string;
  if (env.STATE_SIGNING_KEY) {
    privateKey = parsePrivateKey(env.STATE_SIGNING_KEY, 'STATE_SIGNING_KEY');
    source = 'STATE_SIGNING_KEY';
  } else {
    const file = env.STATE_SIGNING_KEY_FILE || (nodeEnv === 'development' || nodeEnv === 'test' ? DEFAULT_STATE_SIGNING_KEY_FILE : '');
    if (!file) {
      throw new Error('STATE_SIGNING_KEY_FILE or STATE_SIGNING_KEY: required when NODE_ENV is not development or test (the Ed25519 key that signs every desired state; see SECURITY.md)');
    }
    const path = resolve(cwd, file);
    const r = readOrCreateKeyFile(path);
    privateKey = r.key;
    source = `${path}${r.created ? ' (created)' : ''}`;
  }
  const signer = signerFromPrivateKey(privateKey);
  const published = [describeKey(signer.publicKey)];
  for (const raw of (env.STATE_SIGNING_EXTRA_PUBLIC_KEYS ?? '').split(/[\s,]+/).filter(Boolean)) {
    const k = describeKey(publicKeyFromRaw(raw));
    if (!published.some((p) => p.key_id === k.key_id)) published.push(k);
  }
  return { signer, published, source };
}
