import { parseListeners, type Listener } from './listeners';
import { resolveHealthCheck } from './health-check';

const listeners = (parseListeners([
  { protocol: 'udp', ports: '53' },
  { protocol: 'tcp', ports: '8443-8450' },
]) as { listeners: Listener[] }).listeners;

describe('resolveHealthCheck', () => {
  it('fills sane defaults, port from the first tcp listener', () => {
    expect(resolveHealthCheck(undefined, listeners)).toEqual({
      ok: true,
      healthCheck: { protocol: 'tcp', port: 8443, path: null, interval_seconds: 10, timeout_seconds: 5, healthy_threshold: 3, unhealthy_threshold: 3 },
    });
  });
  it('defaults the http path to /', () => {
    expect(resolveHealthCheck({ protocol: 'http', port: 80 }, listeners)).toMatchObject({ ok: true, healthCheck: { path: '/', port: 80 } });
  });
  it('accepts URL paths with a query and percent-encoding', () => {
    for (const path of ['/', '/healthz', '/a/b-c_d.e~f', '/x?full=1&y=%20z', "/p;v=1/:@!$&'()*+,"]) {
      expect(resolveHealthCheck({ protocol: 'http', path }, listeners)).toMatchObject({ ok: true, healthCheck: { path } });
    }
  });
  it('merges onto an existing check', () => {
    const base = (resolveHealthCheck({ protocol: 'http', path: '/healthz' }, listeners) as unknown as { healthCheck: never }).healthCheck;
    expect(resolveHealthCheck({ interval_seconds: 30 }, listeners, base)).toMatchObject({
      ok: true,
      healthCheck: { protocol: 'http', path: '/healthz', interval_seconds: 30 },
    });
  });
  it.each([
    [{ timeout_seconds: 10, interval_seconds: 10 }, 'health_check.timeout_seconds', /shorter than interval_seconds/],
    [{ protocol: 'tcp' as const, path: '/x' }, 'health_check.path', /http health checks only/],
    [{ protocol: 'http' as const, path: 'healthz' }, 'health_check.path', /must start with/],
    [{ protocol: 'http' as const, path: '/x\r\nHost: evil' }, 'health_check.path', /URL path and query characters/],
    [{ protocol: 'http' as const, path: '/x\n' }, 'health_check.path', /URL path and query characters/],
    [{ protocol: 'http' as const, path: '/a b' }, 'health_check.path', /URL path and query characters/],
    [{ protocol: 'http' as const, path: '/x#frag' }, 'health_check.path', /URL path and query characters/],
  ])('refuses %j', (input, field, message) => {
    const r = resolveHealthCheck(input, listeners);
    expect(r).toMatchObject({ ok: false, errors: [{ field, message: expect.stringMatching(message) }] });
  });
});
