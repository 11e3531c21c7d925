import { loadConfig, parseTrustProxy } from './app-config';

/** The message of what `fn` throws; fails the test when it throws nothing. */
function thrownBy(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error, but nothing was thrown');
}

const base = { DATABASE_URL: 'postgres://localhost/x', REDIS_URL: 'redis://localhost:6379' };

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({ apiPort: 4000, quarantineDays: 7, allowDocumentationAddresses: false, bodyLimit: '100kb', sessionCookieSecure: false, rateLimitMax: 600 });
  });
  it('parses values and treats empty strings as unset', () => {
    const c = loadConfig({ ...base, API_PORT: '8080', QUARANTINE_DAYS: '0', ALLOW_DOCUMENTATION_ADDRESSES: 'true', SESSION_COOKIE_SECURE: '1', RATE_LIMIT_MAX: '' });
    expect(c).toMatchObject({ apiPort: 8080, quarantineDays: 0, allowDocumentationAddresses: true, sessionCookieSecure: true, rateLimitMax: 600 });
  });
  it('database pool and raw traffic retention come from the one config (defaults, bounds)', () => {
    expect(loadConfig(base)).toMatchObject({ databasePoolSize: 10, trafficRawRetentionDays: 7 });
    expect(loadConfig({ ...base, DATABASE_POOL_SIZE: '3', TRAFFIC_RAW_RETENTION_DAYS: '30' })).toMatchObject({ databasePoolSize: 3, trafficRawRetentionDays: 30 });
    const message = thrownBy(() => loadConfig({ ...base, DATABASE_POOL_SIZE: '0', TRAFFIC_RAW_RETENTION_DAYS: 'forever' }));
    for (const k of ['DATABASE_POOL_SIZE', 'TRAFFIC_RAW_RETENTION_DAYS']) expect(message).toContain(k);
  });
  it('lists every bad or missing setting in one error', () => {
    const message = thrownBy(() => loadConfig({ API_PORT: 'eighty', ALLOW_DOCUMENTATION_ADDRESSES: 'maybe' }));
    expect(message).toMatch(/^Invalid API configuration:/);
    for (const k of ['API_PORT', 'ALLOW_DOCUMENTATION_ADDRESSES', 'DATABASE_URL', 'REDIS_URL']) expect(message).toContain(k);
  });
  it('requires a random SESSION_SECRET in production and forces the Secure cookie', () => {
    const secret = 'q7R2v9Lx0pZt4mWc8kHs1yBn6dFg3jEa5uVi';
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/SESSION_SECRET: required/);
    expect(() => loadConfig({ ...base, NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32) })).toThrow(/SESSION_SECRET: is a fixed/);
    expect(() => loadConfig({ ...base, NODE_ENV: 'production', SESSION_SECRET: 'anyfront-development-session-secret' })).toThrow(/SESSION_SECRET/);
    const prod = loadConfig({ ...base, NODE_ENV: 'production', SESSION_SECRET: secret });
    expect(prod).toMatchObject({ sessionSecret: secret, sessionCookieSecure: true });
    expect(() => loadConfig({ ...base, NODE_ENV: 'production', SESSION_SECRET: secret, SESSION_COOKIE_SECURE: 'false' })).toThrow(/SESSION_COOKIE_SECURE/);
  });
  it('refuses the demo mode and documentation addresses in production, listing both', () => {
    const message = thrownBy(() => loadConfig({ ...base, NODE_ENV: 'production', SESSION_SECRET: 'q7R2v9Lx0pZt4mWc8kHs1yBn6dFg3jEa5uVi', ANYFRONT_MODE: 'local', ALLOW_DOCUMENTATION_ADDRESSES: 'true' }));
    expect(message).toMatch(/ANYFRONT_MODE/);
    expect(message).toMatch(/ALLOW_DOCUMENTATION_ADDRESSES/);
    expect(loadConfig({ ...base, ANYFRONT_MODE: 'local', ALLOW_DOCUMENTATION_ADDRESSES: 'true' }).mode).toBe('local');
  });
  it('never falls back to a constant session secret in development', () => {
    const dev = loadConfig(base).sessionSecret;
    expect(dev).not.toBe('anyfront-development-session-secret');
    expect(dev.length).toBeGreaterThanOrEqual(32);
  });

  it('TRUST_PROXY: nothing trusted by default; hop counts and address lists; "true" and garbage refused', () => {
    expect(loadConfig(base).trustProxy).toBe(false);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('loopback, 10.0.0.0/8, 2001:db8::1')).toBe('loopback,10.0.0.0/8,2001:db8::1');
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'loopback,proxy.example' })).toThrow(/proxy\.example/);
  });
  it('ALLOWED_ORIGINS: origins only', () => {
    expect(loadConfig({ ...base, ALLOWED_ORIGINS: 'https://portal.example.com, http://localhost:3000' }).allowedOrigins).toEqual(['https://portal.example.com', 'http://localhost:3000']);
    expect(() => loadConfig({ ...base, ALLOWED_ORIGINS: 'https://portal.example.com/path' })).toThrow(/ALLOWED_ORIGINS/);
  });
  it('quota defaults', () => {
    expect(loadConfig(base).quotas).toEqual({ services: 10, ipv4_addresses: 24, backends_per_service: 64, backends_per_organization: 256, api_keys: 25 });
    expect(loadConfig({ ...base, QUOTA_SERVICES: '3' }).quotas.services).toBe(3);
  });
});
