import type { DesiredState } from '@anyfront/contracts';
import { PUSH_SIGNATURE_HEADER, signPushRequest, type StateSigner } from '@anyfront/state-signing';
import { type Dispatcher, fetch } from 'undici';
import { pinnedTlsDispatcher } from './pinned-tls';

export type PushOutcome =
  /** The agent runs the pushed generation (applied now, or it already had it). */
  | { kind: 'applied'; generation: number }
  /** The agent refused for good (invalid, older generation, wrong token): retrying the same state is pointless. */
  | { kind: 'refused'; status: number; message: string }
  /** Network error, timeout or 5xx: retry with backoff. */
  | { kind: 'retry'; message: string };

/** Classifies an agent's answer to `POST /v1/desired-state` (see apps/edge-agent/README.md). */
export function classifyPushResponse(status: number, body: unknown, pushed: number): PushOutcome {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const detail = typeof b.detail === 'string' ? b.detail : typeof b.message === 'string' ? b.message : JSON.stringify(body)?.slice(0, 300);
  if (status >= 200 && status < 300) {
    const generation = typeof b.generation === 'number' ? b.generation : pushed;
    return { kind: 'applied', generation };
  }
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', message: `agent answered ${status}: ${detail}` };
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
    res = await fetch(url, {
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
    return { kind: 'retry', message: `push to ${url} failed: ${e.cause?.code ?? e.name}: ${e.message}` };
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
