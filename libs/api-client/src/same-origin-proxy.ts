import { z } from 'zod';

/** What a web app (portal, console) needs to serve /v1 on its own origin. */
export interface SameOriginProxyConfig {
  apiUrl: string;
  proxyTimeoutMs: number;
}

/**
 * The web apps' server-side configuration, read and validated once at start (their
 * instrumentation.ts): only the server knows the API's URL; browsers reach the API through the
 * app's /v1 proxy. `timeoutVar` names the app's own timeout variable (PORTAL_PROXY_TIMEOUT_MS, ...).
 */
export function parseSameOriginProxyConfig(env: Record<string, string | undefined>, app: string, timeoutVar: string): SameOriginProxyConfig {
  const schema = z.object({
    ANYFRONT_API_URL: z.url({ protocol: /^https?$/, error: 'ANYFRONT_API_URL must be an http(s) URL, e.g. http://127.0.0.1:4000' }).default('http://127.0.0.1:4000'),
    [timeoutVar]: z.coerce.number().int().min(100).max(600_000).default(30_000),
  });
  const r = schema.safeParse(env);
  if (!r.success) throw new Error(`${app} configuration is invalid:\n${r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  return { apiUrl: String(r.data.ANYFRONT_API_URL).replace(/\/+$/, ''), proxyTimeoutMs: Number(r.data[timeoutVar]) };
}

// Hop-by-hop headers (RFC 9110 §7.6.1) and those fetch recomputes: never forwarded.
const HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length'];

/**
 * Forwards one browser request for /v1/... to the API and streams the answer back. The web app
 * (portal or console) and the API then share one origin for the browser, so the session cookie stays first-party
 * (SameSite=Lax, HttpOnly). The browser's Origin and Cookie headers go through unchanged (the API's
 * CSRF check compares Origin with the host the browser used, sent as X-Forwarded-Host/-Proto).
 */
export async function proxyToApi(req: Request, path: string[], cfg: SameOriginProxyConfig): Promise<Response> {
  const url = new URL(req.url);
  const target = `${cfg.apiUrl}/v1/${path.map(encodeURIComponent).join('/')}${url.search}`;
  const headers = new Headers(req.headers);
  for (const h of HOP) headers.delete(h);
  const host = req.headers.get('host');
  if (host) headers.set('x-forwarded-host', host);
  headers.set('x-forwarded-proto', url.protocol.replace(/:$/, ''));
  headers.delete('accept-encoding'); // fetch decodes the body; ask for it plain so the headers stay true
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  let res: Response;
  try {
    res = await fetch(target, {
      method: req.method,
      headers,
      body: hasBody ? await req.arrayBuffer() : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(cfg.proxyTimeoutMs),
    });
  } catch (err) {
    const timeout = (err as Error).name === 'TimeoutError';
    return Response.json({
      type: 'about:blank',
      title: timeout ? 'Gateway Timeout' : 'Bad Gateway',
      status: timeout ? 504 : 502,
      detail: timeout ? `The API did not answer within ${cfg.proxyTimeoutMs} ms.` : 'The API could not be reached; it may be starting or down.',
      errors: [],
    }, { status: timeout ? 504 : 502, headers: { 'content-type': 'application/problem+json' } });
  }
  const out = new Headers();
  res.headers.forEach((value, key) => {
    if (!HOP.includes(key) && key !== 'content-encoding' && key !== 'set-cookie') out.append(key, value);
  });
  for (const c of res.headers.getSetCookie()) out.append('set-cookie', c);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers: out });
}
