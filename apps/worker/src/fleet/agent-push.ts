import type { DesiredState } from '@anyfront/contracts';
import { PUSH_SIGNATURE_HEADER, signPushRequest, type StateSigner } from '@anyfront/state-signing';
import { type Dispatcher, fetch } from 'undici';
import { pinnedTlsDispatcher } from './pinned-tls';

export type PushOutcome =
  /** The agent runs the pushed generation (applied now, or it already had it); with its verdict when one was asked for (canary). */
  | { kind: 'applied'; generation: number; verdict?: AgentVerdict }
  /** The agent refused for good (invalid, older generation, wrong token): retrying the same state is pointless. */
  | { kind: 'refused'; status: number; message: string }
  /** Network error, timeout (status 0) or 5xx: retry with backoff. */
  | { kind: 'retry'; status: number; message: string };

/** A canary agent's verdict on its health right after the apply (apps/edge-agent/src/http.ts). */
export interface AgentVerdict {
  ok: boolean;
  reasons: string[];
  /** Every service the agent could not program, with the reason. */
  failed_services: Array<{ id: string; reason: string }>;
}

function verdictOf(v: unknown): AgentVerdict | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.ok !== 'boolean') return undefined;
  const reasons = Array.isArray(o.reasons) ? o.reasons.filter((x): x is string => typeof x === 'string').map((x) => x.slice(0, 1000)) : [];
  const failed = Array.isArray(o.failed_services)
    ? o.failed_services.filter((x): x is { id: string; reason: string } => !!x && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string' && typeof (x as { reason?: unknown }).reason === 'string')
    : [];
  // A verdict that says failed without saying why still fails.
  return { ok: o.ok && reasons.length === 0, reasons: o.ok || reasons.length ? reasons : ['the agent judged itself unhealthy'], failed_services: failed.map((f) => ({ id: f.id, reason: f.reason.slice(0, 1000) })) };
}

/** Classifies an agent's answer to `POST /v1/desired-state` (see apps/edge-agent/README.md). */
export function classifyPushResponse(status: number, body: unknown, pushed: number): PushOutcome {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const detail = typeof b.detail === 'string' ? b.detail : typeof b.message === 'string' ? b.message : JSON.stringify(body)?.slice(0, 300);
  if (status >= 200 && status < 300) {
    const generation = typeof b.generation === 'number' ? b.generation : pushed;
    const verdict = verdictOf(b.verdict);
    return verdict ? { kind: 'applied', generation, verdict } : { kind: 'applied', generation };
  }
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', status, message: `agent answered ${status}: ${detail}` };
  return { kind: 'refused', status, message: `agent answered ${status}: ${detail}` };
}

export interface PushTarget {
  /** The edge node the state is for: part of the request signature. */
  nodeId: string;
  /** The control plane's desired-state signing key: it also signs each push request (no stored push secret). */
  signer: StateSigner;
  timeoutMs: number;
  /** For https:// push URLs: the agent's certificate fingerprint; the push goes only to that certificate. */
  tlsFingerprint?: string | null;
  /** Ask the agent for its verdict on its health after the apply (the PoP's canary). */
  verdict?: boolean;
}

// One dispatcher (connection pool) per pinned certificate.
const pinned = new Map<string, Dispatcher>();
function dispatcherFor(fingerprint: string): Dispatcher {
  let d = pinned.get(fingerprint);
  if (!d) pinned.set(fingerprint, (d = pinnedTlsDispatcher(fingerprint)));
  return d;
}

/**
 * Pushes one desired state, the request signed with the control plane's key (SECURITY.md, push
 * channel). Never throws; the outcome says what to do (a redirect is a refusal, never followed).
 */
export async function pushDesiredState(url: string, state: DesiredState, target: PushTarget): Promise<PushOutcome> {
  let res: Response;
  const body = JSON.stringify(state);
  try {
    const signature = signPushRequest({ method: 'POST', path: new URL(url).pathname, nodeId: target.nodeId, body }, target.signer);
    const pin = url.startsWith('https:') && target.tlsFingerprint ? dispatcherFor(target.tlsFingerprint) : undefined;
    // The query is not part of the signed path: asking for a verdict changes nothing the agent applies.
    res = await fetch(target.verdict ? `${url}?verdict=1` : url, {
      ...(pin ? { dispatcher: pin } : {}),
      method: 'POST',
      headers: { 'content-type': 'application/json', [PUSH_SIGNATURE_HEADER]: signature },
      body,
      // A redirect would take the push to a host nobody checked: refuse it.
      redirect: 'error',
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (/fingerprint mismatch|self[- ]signed|certificate/i.test(e.cause?.message ?? '')) {
      return { kind: 'refused', status: 0, message: `push to ${url} refused: ${e.cause?.message ?? e.message}` };
    }
    if (/redirect/i.test(e.cause?.message ?? '')) return { kind: 'refused', status: 0, message: `push to ${url} refused: the agent answered with a redirect, which is never followed` };
    return { kind: 'retry', status: 0, message: `push to ${url} failed: ${e.cause?.code ?? e.name}: ${e.message}` };
  }
  const text = await res.text().catch(() => '');
  let answer: unknown = text;
  try {
    answer = text ? JSON.parse(text) : {};
  } catch {
    // keep the text
  }
  return classifyPushResponse(res.status, answer, state.generation);
}
