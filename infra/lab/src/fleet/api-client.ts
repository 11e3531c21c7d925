/** Minimal JSON client for the Anyfront API (operator session cookie or API key), used by the lab's control-plane mode. */
export interface ApiReply<T = unknown> { status: number; body: T }

export class ApiClient {
  constructor(readonly baseUrl: string, private auth: { cookie?: string; apiKey?: string } = {}) {}

  withApiKey(apiKey: string): ApiClient {
    return new ApiClient(this.baseUrl, { apiKey });
  }

  async call<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiReply<T>> {
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (this.auth.cookie) h.cookie = this.auth.cookie;
    if (this.auth.apiKey) h.authorization = `Bearer ${this.auth.apiKey}`;
    const res = await fetch(new URL(path, this.baseUrl), { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { status: res.status, body: parsed as T };
  }

  /** Like call, but throws with the problem detail unless the status is one of `ok`. */
  async must<T = unknown>(method: string, path: string, body?: unknown, ok: number[] = [200, 201, 202, 204]): Promise<T> {
    const r = await this.call<T>(method, path, body);
    if (!ok.includes(r.status)) throw new Error(`${method} ${path}: HTTP ${r.status}: ${JSON.stringify(r.body).slice(0, 600)}`);
    return r.body;
  }

  /** Logs in with email and password (POST /v1/auth/login) and keeps the session cookie. */
  static async login(baseUrl: string, email: string, password: string): Promise<ApiClient> {
    const res = await fetch(new URL('/v1/auth/login', baseUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    if (res.status !== 200) throw new Error(`login as ${email} failed: HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    return new ApiClient(baseUrl, { cookie });
  }
}

/** Every item of a paginated list endpoint ({data, next_cursor}). */
export async function listAll<T>(api: ApiClient, path: string): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: { data: T[]; next_cursor: string | null } = await api.must('GET', `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}
