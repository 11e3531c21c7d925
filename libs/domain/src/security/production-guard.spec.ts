import { productionRefusals } from './production-guard';

const good = { nodeEnv: 'production', sessionSecret: 'q7R2v9Lx0pZt4mWc8kHs1yBn6dFg3jEa5uVi', allowDocumentationAddresses: false, sessionCookieSecure: true };

describe('productionRefusals', () => {
  it('accepts a production deployment with a random secret', () => {
    expect(productionRefusals(good)).toEqual([]);
    expect(productionRefusals({ ...good, sessionCookieSecure: undefined })).toEqual([]);
  });
  it('says nothing outside production', () => {
    expect(productionRefusals({ nodeEnv: 'development', mode: 'local', sessionSecret: 'x', allowDocumentationAddresses: true, sessionCookieSecure: false })).toEqual([]);
  });
  it.each([
    [{ mode: 'local' }, /^ANYFRONT_MODE/],
    [{ allowDocumentationAddresses: true }, /^ALLOW_DOCUMENTATION_ADDRESSES/],
    [{ sessionSecret: 'anyfront-development-session-secret' }, /^SESSION_SECRET: is a fixed/],
    [{ sessionSecret: 'x'.repeat(64) }, /^SESSION_SECRET/],
    [{ sessionSecret: 'short-but-random-Q1' }, /^SESSION_SECRET/],
    [{ sessionSecret: 'CHANGEME' }, /^SESSION_SECRET/],
    [{ sessionCookieSecure: false }, /^SESSION_COOKIE_SECURE/],
  ])('refuses %j', (change, message) => {
    expect(productionRefusals({ ...good, ...change })).toEqual([expect.stringMatching(message)]);
  });
});
