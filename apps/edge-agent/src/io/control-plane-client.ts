import type { AgentStatusReport, TrafficReport } from '@anyfront/contracts';

export class ControlPlaneError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** HTTP client of the agent-facing API (`/v1/agent/*`, contract in libs/contracts/src/agent-api.ts). */
export class ControlPlaneClient {
  constructor(private readonly baseUrl: string, private readonly credential: string, private readonly timeoutMs = 10_000) {}

  /** 304 = nothing newer than `generation`. */
  async pullDesiredState(generation: number): Promise<{ status: 200; body: unknown } | { status: 304 }> {
    const res = await this.call('GET', '/v1/agent/desired-state', undefined, generation > 0 ? { 'if-none-match': `"${generation}"` } : {});
    if (res.status === 304) return { status: 304 };
    return { status: 200, body: await res.json() };
  }

  async postStatus(report: AgentStatusReport): Promise<{ desired_generation: number }> {
    return (await this.call('POST', '/v1/agent/status', report)).json() as Promise<{ desired_generation: number }>;
  }

  async postTraffic(report: TrafficReport): Promise<{ accepted: boolean; duplicate: boolean }> {
    return (await this.call('POST', '/v1/agent/traffic', report)).json() as Promise<{ accepted: boolean; duplicate: boolean }>;
  }

  async putPushEndpoint(pushUrl: string, pushTlsFingerprint?: string): Promise<void> {
    await this.call('PUT', '/v1/agent/push-endpoint', { push_url: pushUrl, ...(pushTlsFingerprint ? { push_tls_fingerprint: pushTlsFingerprint } : {}) });
  }

  private async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: { authorization: `Bearer ${this.credential}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (res.status >= 400) {
      const text = await res.text().catch(() => '');
      throw new ControlPlaneError(res.status, `${method} ${path}: HTTP ${res.status} ${text.slice(0, 500)}`);
    }
    return res;
  }
}
