import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import type { StateSigner } from './state-signing';

/**
 * Authenticates the worker's push requests to an edge agent (SECURITY.md, "Push channel"): an
 * Ed25519 signature, made with the control plane's desired-state signing key, over the method, the
 * path, the node id, a timestamp and the SHA-256 of the exact body. The agent checks it with the
 * keys it already trusts for desired states, so the database holds nothing that lets a reader push
 * (the old static push token stored in clear is gone). A captured request can be replayed only
 * within the skew window, only to the same node, and only with the same body: a signed state the
 * agent already has (no-op) or refuses as older (409).
 */
const CONTEXT = 'anyfront push v1\n';
export const PUSH_SIGNATURE_HEADER = 'anyfront-push-signature';
/** How far the worker's clock may be from the agent's, in seconds, either way. */
export const PUSH_MAX_SKEW_SECONDS = 300;

export interface PushRequest {
  method: string;
  /** The request path (no query), e.g. /v1/desired-state. */
  path: string;
  /** The edge node the push is for (the agent's node_id). */
  nodeId: string;
  body: string | Buffer;
}

function signedBytes(r: PushRequest, t: number): Buffer {
  const bodyHash = createHash('sha256').update(r.body).digest('base64url');
  return Buffer.from(`${CONTEXT}${r.method.toUpperCase()}\n${r.path}\n${r.nodeId}\n${t}\n${bodyHash}`, 'utf8');
}

/** The header value: `t=<unix seconds>,node=<id>,key=<key id>,sig=<base64url>`. */
export function signPushRequest(r: PushRequest, signer: StateSigner, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  const sig = sign(null, signedBytes(r, t), signer.privateKey).toString('base64url');
  return `t=${t},node=${r.nodeId},key=${signer.keyId},sig=${sig}`;
}

export interface ParsedPushSignature {
  t: number;
  node: string;
  key: string;
  sig: string;
}

export type PushVerification = { ok: true; keyId: string } | { ok: false; reason: string };

/**
 * The checks that need no body (format, node, timestamp, known key): done before the agent reads a
 * body, so an unauthenticated peer cannot make it buffer one.
 */
export function precheckPushSignature(
  header: string | undefined,
  expect: { nodeId: string },
  trusted: ReadonlyMap<string, KeyObject>,
  nowMs = Date.now(),
): { ok: true; parsed: ParsedPushSignature } | { ok: false; reason: string } {
  if (!header) return { ok: false, reason: `no ${PUSH_SIGNATURE_HEADER} header` };
  const fields = new Map(header.split(',').map((kv) => {
    const i = kv.indexOf('=');
    return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()] as const;
  }));
  const t = Number(fields.get('t'));
  const node = fields.get('node') ?? '';
  const key = fields.get('key') ?? '';
  const sig = fields.get('sig') ?? '';
  if (!Number.isSafeInteger(t) || !node || !key || !/^[A-Za-z0-9_-]{86}$/.test(sig)) return { ok: false, reason: `malformed ${PUSH_SIGNATURE_HEADER} header` };
  if (node !== expect.nodeId) return { ok: false, reason: `push signed for node ${node.slice(0, 64)}, this is ${expect.nodeId}` };
  if (Math.abs(nowMs / 1000 - t) > PUSH_MAX_SKEW_SECONDS) return { ok: false, reason: `push signature timestamp ${t} is more than ${PUSH_MAX_SKEW_SECONDS} s from this agent's clock` };
  if (!trusted.has(key)) return { ok: false, reason: `push signed by unknown key ${key.slice(0, 32)}` };
  return { ok: true, parsed: { t, node, key, sig } };
}

/** Full check of a push request's signature against the trusted desired-state keys. */
export function verifyPushRequest(header: string | undefined, r: PushRequest, trusted: ReadonlyMap<string, KeyObject>, nowMs = Date.now()): PushVerification {
  const pre = precheckPushSignature(header, { nodeId: r.nodeId }, trusted, nowMs);
  if (!pre.ok) return pre;
  const { t, key, sig } = pre.parsed;
  const publicKey = trusted.get(key);
  if (!publicKey || !verify(null, signedBytes(r, t), publicKey, Buffer.from(sig, 'base64url'))) {
    return { ok: false, reason: 'bad push signature: not made by the control plane for this request' };
  }
  return { ok: true, keyId: key };
}
