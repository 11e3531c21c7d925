import type { DesiredState } from '@anyfront/contracts';

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

/** Pushes one desired state with the node's push token. Never throws; the outcome says what to do (a redirect is a retry with its error). */
export async function pushDesiredState(url: string, token: string, state: DesiredState, timeoutMs: number): Promise<PushOutcome> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(state),
      // A redirect would take the push (and its credentials) to a host nobody checked: refuse it.
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (/redirect/i.test(e.cause?.message ?? '')) return { kind: 'refused', status: 0, message: `push to ${url} refused: the agent answered with a redirect, which is never followed` };
    return { kind: 'retry', message: `push to ${url} failed: ${e.cause?.code ?? e.name}: ${e.message}` };
  }
  const text = await res.text().catch(() => '');
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    // keep the text
  }
  return classifyPushResponse(res.status, body, state.generation);
}
