import { parseSameOriginProxyConfig, type SameOriginProxyConfig } from '@anyfront/api-client/server';

/**
 * The portal's server-side configuration, read and validated once (instrumentation.ts runs this at
 * start; a bad value stops the server with a message): ANYFRONT_API_URL, PORTAL_PROXY_TIMEOUT_MS.
 */
let cached: SameOriginProxyConfig | undefined;

export function portalConfig(): SameOriginProxyConfig {
  cached ??= parseSameOriginProxyConfig(process.env, 'portal', 'PORTAL_PROXY_TIMEOUT_MS');
  return cached;
}
