import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { stateSigningKeySchema, type AgentRegisterRequest, type AgentRegisterResponse } from '@anyfront/contracts';

/**
 * Agent side of registration: exchange the operator's one-time bootstrap token for the node's
 * credential (POST /v1/agent/register) and keep it in the state directory, so restarts reuse it
 * and the token is needed only once. The credential file holds the bare credential, which is what
 * the agent config's `control_plane.credential_file` reads.
 */

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

export const storedRegistrationSchema = z.object({
  api_url: z.string().min(1),
  node_id: z.string().min(1),
  node_name: z.string(),
  pop: z.string(),
  push_token: z.string().min(16),
  registered_at: z.string(),
  /** The control plane's desired-state signing keys from registration: the agent applies only states they verify. */
  state_signing_keys: z.array(stateSigningKeySchema).max(8).optional(),
}).strict();

export type StoredRegistration = z.infer<typeof storedRegistrationSchema> & { credential: string };

export class RegistrationError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function registrationPaths(stateDir: string): { registration: string; credential: string } {
  return { registration: join(stateDir, 'control-plane.json'), credential: join(stateDir, 'credential') };
}

/** The stored registration, or null when missing or unreadable (then the agent must register again). */
export function parseStoredRegistration(json: string, credential: string): StoredRegistration | null {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return null;
  }
  const r = storedRegistrationSchema.safeParse(raw);
  const cred = credential.trim();
  if (!r.success || !cred.startsWith('afn_')) return null;
  return { ...r.data, credential: cred };
}

/** Same base URL, ignoring a trailing slash. */
export function sameApi(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

async function problemDetail(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const p = JSON.parse(text) as { detail?: string };
    return p.detail ?? text.slice(0, 500);
  } catch {
    return text.slice(0, 500);
  }
}

async function post<T>(fetchImpl: FetchLike, url: URL, body: unknown, credential?: string, timeoutMs = 10_000): Promise<T> {
  const res = await fetchImpl(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
    body: JSON.stringify(body ?? {}),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new RegistrationError(res.status, `POST ${url.pathname}: HTTP ${res.status}: ${await problemDetail(res)}`);
  return (await res.json()) as T;
}

/** POST /v1/agent/register. Throws RegistrationError (401: token unknown, expired or used). */
export function registerWithBootstrapToken(apiUrl: string, req: AgentRegisterRequest, fetchImpl: FetchLike = fetch): Promise<AgentRegisterResponse> {
  return post<AgentRegisterResponse>(fetchImpl, new URL('/v1/agent/register', apiUrl), req);
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

async function store(stateDir: string, reg: StoredRegistration): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const paths = registrationPaths(stateDir);
  const { credential, ...meta } = reg;
  // Credential first: a crash between the two writes leaves a usable credential and stale metadata, never the reverse.
  await writeAtomic(paths.credential, `${credential}\n`);
  await writeAtomic(paths.registration, `${JSON.stringify(meta, null, 2)}\n`);
}

export async function loadRegistration(stateDir: string): Promise<StoredRegistration | null> {
  const paths = registrationPaths(stateDir);
  try {
    return parseStoredRegistration(await readFile(paths.registration, 'utf8'), await readFile(paths.credential, 'utf8'));
  } catch {
    return null;
  }
}

export interface EnsureRegisteredOptions {
  apiUrl: string;
  stateDir: string;
  /** Needed only when no registration for apiUrl is stored. */
  bootstrapToken?: string;
  pushUrl: string;
  pushToken?: string;
  /** SHA-256 fingerprint of the agent's push certificate (listen.tls), registered with the push URL. */
  pushTlsFingerprint?: string;
  fetchImpl?: FetchLike;
}

/** The stored registration for this API, or a new one made with the bootstrap token. */
export async function ensureRegistered(o: EnsureRegisteredOptions): Promise<StoredRegistration & { registeredNow: boolean }> {
  const stored = await loadRegistration(o.stateDir);
  // A registration from before signed states has no keys: with a bootstrap token at hand, register again to get them.
  const usable = stored && sameApi(stored.api_url, o.apiUrl) && (stored.state_signing_keys?.length || !o.bootstrapToken);
  if (stored && usable) return { ...stored, registeredNow: false };
  if (!o.bootstrapToken) {
    throw new RegistrationError(0, `no credential for ${o.apiUrl} in ${o.stateDir}; pass a bootstrap token from POST /v1/admin/fleet/edge-nodes/{id}/bootstrap-tokens`);
  }
  const r = await registerWithBootstrapToken(o.apiUrl, { bootstrap_token: o.bootstrapToken, push_url: o.pushUrl, ...(o.pushToken ? { push_token: o.pushToken } : {}), ...(o.pushTlsFingerprint ? { push_tls_fingerprint: o.pushTlsFingerprint } : {}) }, o.fetchImpl);
  const reg: StoredRegistration = {
    api_url: o.apiUrl,
    node_id: r.node_id,
    node_name: r.node_name,
    pop: r.pop,
    push_token: r.push_token,
    registered_at: new Date().toISOString(),
    state_signing_keys: r.state_signing_keys,
    credential: r.credential,
  };
  await store(o.stateDir, reg);
  return { ...reg, registeredNow: true };
}

/**
 * Replaces the stored credential with a new one (POST /v1/agent/credentials/rotate). The old one
 * stops working at once on the server, so the new one is written before anything else happens.
 */
export async function rotateCredential(stateDir: string, fetchImpl: FetchLike = fetch): Promise<StoredRegistration> {
  const stored = await loadRegistration(stateDir);
  if (!stored) throw new RegistrationError(0, `no stored registration in ${stateDir}`);
  const { credential } = await post<{ credential: string }>(fetchImpl, new URL('/v1/agent/credentials/rotate', stored.api_url), {}, stored.credential);
  const next = { ...stored, credential };
  await store(stateDir, next);
  return next;
}
