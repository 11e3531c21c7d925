import { loadConfig } from './app-config';

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
  it('lists every bad or missing setting in one error', () => {
    const message = thrownBy(() => loadConfig({ API_PORT: 'eighty', ALLOW_DOCUMENTATION_ADDRESSES: 'maybe' }));
    expect(message).toMatch(/^Invalid API configuration:/);
    for (const k of ['API_PORT', 'ALLOW_DOCUMENTATION_ADDRESSES', 'DATABASE_URL', 'REDIS_URL']) expect(message).toContain(k);
  });
  it('requires SESSION_SECRET in production', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/SESSION_SECRET/);
    expect(loadConfig({ ...base, NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32) }).sessionSecret).toBe('x'.repeat(32));
  });
});
