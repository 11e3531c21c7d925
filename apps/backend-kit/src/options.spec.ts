import { BackendKitOptionsError, parseBackendKitOptions, type BackendKitInput } from './options';

const ok: BackendKitInput = { encap: 'srv6', anycast: ['203.0.113.1'], backendAddress: 'fd00:b::2', dev: 'eth0' };

function problems(input: BackendKitInput): string[] {
  try {
    parseBackendKitOptions(input);
  } catch (e) {
    if (e instanceof BackendKitOptionsError) return e.problems;
    throw e;
  }
  return [];
}

describe('parseBackendKitOptions', () => {
  it('normalises addresses and fills defaults', () => {
    expect(parseBackendKitOptions({ ...ok, anycast: [' 203.0.113.1', 'FD00:A:0:0::1'], backendAddress: 'fd00:b:0::2' })).toEqual({
      encap: 'srv6', anycast: ['203.0.113.1', 'fd00:a::1'], backendAddress: 'fd00:b::2', dev: 'eth0',
      guePort: undefined, mtu: 1500, mss4: 1396, mss6: 1376,
    });
  });

  it.each<[string, BackendKitInput, RegExp]>([
    ['unknown encapsulation', { ...ok, encap: 'gre' }, /--encap must be one of srv6, ipip, ip6ip6, gue/],
    ['no anycast', { ...ok, anycast: [] }, /at least one --anycast/],
    ['anycast with prefix', { ...ok, anycast: ['203.0.113.0/24'] }, /is not an IPv4 or IPv6 address/],
    ['anycast twice', { ...ok, anycast: ['203.0.113.1', '203.0.113.1'] }, /given twice/],
    ['loopback anycast', { ...ok, anycast: ['127.0.0.1'] }, /loopback address/],
    ['missing backend address', { ...ok, backendAddress: undefined }, /--backend-address is required/],
    ['srv6 with IPv4 backend', { ...ok, backendAddress: '192.0.2.1' }, /srv6 needs an IPv6 --backend-address/],
    ['ipip with IPv6 backend', { ...ok, encap: 'ipip' }, /ipip needs an IPv4 --backend-address/],
    ['ip6ip6 with IPv4 backend', { ...ok, encap: 'ip6ip6', backendAddress: '192.0.2.1' }, /ip6ip6 needs an IPv6/],
    ['gue port out of range', { ...ok, encap: 'gue', guePort: '70000' }, /--gue-port must be an integer from 1024 to 65535/],
    ['gue port below 1024', { ...ok, encap: 'gue', guePort: '53' }, /--gue-port must be an integer from 1024 to 65535/],
    ['gue port with srv6', { ...ok, guePort: 6080 }, /only used with --encap gue/],
    ['sid with ipip', { ...ok, encap: 'ipip', backendAddress: '192.0.2.1', sid4: 'fd00::4' }, /--sid4 is only used with --encap srv6/],
    ['sid4 equal to backend address', { ...ok, sid4: 'fd00:b::2' }, /must differ from --backend-address/],
    ['sid4 without IPv4 anycast', { ...ok, anycast: ['fd00:a::1'], sid4: 'fd00:b:5::4' }, /no IPv4 --anycast/],
    ['same SID twice', { ...ok, anycast: ['203.0.113.1', 'fd00:a::1'], sid4: 'fd00:b:5::4', sid6: 'fd00:b:5::4' }, /must differ: one SID/],
    ['missing dev', { ...ok, dev: undefined }, /--dev .* is required/],
    ['dev lo', { ...ok, dev: 'lo' }, /not a usable interface name/],
    ['dev too long', { ...ok, dev: 'a-very-long-ifname' }, /not a usable interface name/],
    ['mtu too small', { ...ok, mtu: '1000' }, /--mtu must be an integer from 1280/],
    ['mss not a number', { ...ok, mss: '14x' }, /--mss must be an integer/],
  ])('refuses %s', (_name, input, message) => {
    expect(problems(input).join('\n')).toMatch(message);
  });

  it('gives gue the service default port (DEFAULT_GUE_PORT) when --gue-port is omitted', () => {
    expect(parseBackendKitOptions({ ...ok, encap: 'gue', backendAddress: '192.0.2.10' }).guePort).toBe(6080);
    // GUE reaches IPv6 backends too (ip6tnl with GUE encapsulation), as the edges render it.
    expect(parseBackendKitOptions({ ...ok, encap: 'gue', guePort: '7000' }).guePort).toBe(7000);
  });

  it('lists every problem at once', () => {
    expect(problems({ encap: 'ipip', anycast: ['x'], backendAddress: 'fd00::1', dev: 'lo', guePort: 1 })).toHaveLength(4);
  });
});
