import { parseSameOriginProxyConfig, type SameOriginProxyConfig } from '@anyfront/api-client/server';

/**
 * The console's server-side configuration, read and validated once (instrumentation.ts runs this at
 * start): ANYFRONT_API_URL, CONSOLE_PROXY_TIMEOUT_MS.
 */
let cached: SameOriginProxyConfig | undefined;

export function consoleConfig(): SameOriginProxyConfig {
  cached ??= parseSameOriginProxyConfig(process.env, 'console', 'CONSOLE_PROXY_TIMEOUT_MS');
  return cached;
}
