import { z } from 'zod';

/**
 * The portal's server-side configuration, read and validated once (instrumentation.ts runs this at
 * start; a bad value stops the server with a message). Only the server reads it: the API's URL is
 * not sent to browsers, which reach the API through this server's /v1 proxy (same origin).
 */
const schema = z.object({
  ANYFRONT_API_URL: z.url({ protocol: /^https?$/, error: 'ANYFRONT_API_URL must be an http(s) URL, e.g. http://127.0.0.1:4000' }).default('http://127.0.0.1:4000'),
  PORTAL_PROXY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
});

export interface PortalConfig { apiUrl: string; proxyTimeoutMs: number }

let cached: PortalConfig | undefined;

export function parsePortalConfig(env: Record<string, string | undefined>): PortalConfig {
  const r = schema.safeParse(env);
  if (!r.success) throw new Error(`portal configuration is invalid:\n${r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  return { apiUrl: r.data.ANYFRONT_API_URL.replace(/\/+$/, ''), proxyTimeoutMs: r.data.PORTAL_PROXY_TIMEOUT_MS };
}

export function portalConfig(): PortalConfig {
  cached ??= parsePortalConfig(process.env);
  return cached;
}
