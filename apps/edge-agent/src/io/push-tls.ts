import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** The agent's push endpoint certificate: self-signed, kept in state_dir, pinned by the worker by its SHA-256 fingerprint. */
export interface PushTlsMaterial {
  cert: string;
  key: string;
  /** `AB:CD:...` (Node's X509Certificate.fingerprint256), what the agent reports as push_tls_fingerprint. */
  fingerprint256: string;
}

const DAY_MS = 86_400_000;

export function pushTlsPaths(stateDir: string): { cert: string; key: string } {
  return { cert: join(stateDir, 'push-tls.crt'), key: join(stateDir, 'push-tls.key') };
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/**
 * The stored certificate and key, or a new pair when there is none or it expires within a day. A
 * new certificate has a new fingerprint: the agent reports it with its push URL at every start
 * (PUT /v1/agent/push-endpoint), and the worker refuses any other.
 */
export async function ensurePushCertificate(stateDir: string, commonName: string, now = new Date()): Promise<PushTlsMaterial> {
  const paths = pushTlsPaths(stateDir);
  try {
    const [cert, key] = await Promise.all([readFile(paths.cert, 'utf8'), readFile(paths.key, 'utf8')]);
    const x = new X509Certificate(cert);
    if (new Date(x.validTo).getTime() > now.getTime() + DAY_MS) return { cert, key, fingerprint256: x.fingerprint256 };
  } catch {
    // none yet, or unreadable: make one
  }
  const pems = await generate([{ name: 'commonName', value: commonName.slice(0, 64) }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - DAY_MS),
    notAfterDate: new Date(now.getTime() + 5 * 365 * DAY_MS),
  });
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  // Key first: a crash between the writes leaves a key without its certificate, and the next start makes a new pair.
  await writeAtomic(paths.key, pems.private);
  await writeAtomic(paths.cert, pems.cert);
  return { cert: pems.cert, key: pems.private, fingerprint256: new X509Certificate(pems.cert).fingerprint256 };
}
