import { parseCliArgs } from './register-cli';
import { parseStoredRegistration, registerWithBootstrapToken, RegistrationError, sameApi } from './registration';

const meta = { api_url: 'http://127.0.0.1:4000', node_id: 'n1', node_name: 'edge-1', pop: 'ams', push_token: 'p'.repeat(20), registered_at: '2026-01-01T00:00:00Z' };

describe('agent registration (pure parts)', () => {
  it('reads a stored registration and refuses damaged ones', () => {
    expect(parseStoredRegistration(JSON.stringify(meta), 'afn_abc\n')).toEqual({ ...meta, credential: 'afn_abc' });
    expect(parseStoredRegistration('{', 'afn_abc')).toBeNull();
    expect(parseStoredRegistration(JSON.stringify({ ...meta, extra: 1 }), 'afn_abc')).toBeNull();
    expect(parseStoredRegistration(JSON.stringify(meta), 'not-a-credential')).toBeNull();
  });

  it('compares API URLs without trailing slashes', () => {
    expect(sameApi('http://a:1/', 'http://a:1')).toBe(true);
    expect(sameApi('http://a:1', 'http://b:1')).toBe(false);
  });

  it('posts the bootstrap token and surfaces the problem detail on refusal', async () => {
    const calls: Array<{ url: string; init?: RequestInit }> = [];
    const ok = async (url: string | URL, init?: RequestInit) => {
      calls.push({ url: String(url), init });
      return new Response(JSON.stringify({ node_id: 'n1', node_name: 'e', pop: 'ams', credential: 'afn_x', push_token: 'p'.repeat(20) }), { status: 201 });
    };
    const r = await registerWithBootstrapToken('http://cp:4000/', { bootstrap_token: 'afb_t', push_url: 'http://e:9180/v1/desired-state' }, ok);
    expect(r.credential).toBe('afn_x');
    expect(calls[0].url).toBe('http://cp:4000/v1/agent/register');
    expect(JSON.parse(calls[0].init?.body as string)).toEqual({ bootstrap_token: 'afb_t', push_url: 'http://e:9180/v1/desired-state' });

    const refused = async () => new Response(JSON.stringify({ detail: 'The bootstrap token is unknown, expired or already used.' }), { status: 401 });
    const err = await registerWithBootstrapToken('http://cp:4000', { bootstrap_token: 'afb_t', push_url: 'http://e:9180/x' }, refused).catch((e) => e);
    expect(err).toBeInstanceOf(RegistrationError);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/expired or already used/);
  });

  it('parses the CLI', () => {
    expect(parseCliArgs(['register', '--api', 'http://cp', '--state-dir', '/s', '--bootstrap-token', 'afb_t', '--push-url', 'http://e/v1/desired-state'])).toEqual({
      cmd: 'register', apiUrl: 'http://cp', stateDir: '/s', bootstrapToken: 'afb_t', pushUrl: 'http://e/v1/desired-state', pushToken: undefined,
    });
    expect(parseCliArgs(['rotate'], { ANYFRONT_AGENT_STATE_DIR: '/s' })).toEqual({ cmd: 'rotate', stateDir: '/s' });
    expect(() => parseCliArgs(['register', '--state-dir', '/s'])).toThrow(/--api/);
    expect(() => parseCliArgs(['frobnicate', '--state-dir', '/s'])).toThrow(/unknown command/);
  });
});
