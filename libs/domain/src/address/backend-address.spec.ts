import { validateBackendAddress } from './backend-address';

const PUBLIC_V4 = '8.8.8.8';

describe('validateBackendAddress', () => {
  describe('accepts global unicast addresses and returns them canonical', () => {
    it.each([
      ['8.8.8.8', '8.8.8.8', 4],
      ['1.1.1.1', '1.1.1.1', 4],
      ['100.63.255.255', '100.63.255.255', 4], // just below 100.64.0.0/10
      ['100.128.0.0', '100.128.0.0', 4], // just above it
      ['172.15.255.255', '172.15.255.255', 4],
      ['172.32.0.1', '172.32.0.1', 4],
      ['192.0.0.9', '192.0.0.9', 4], // IANA: globally reachable exception in 192.0.0.0/24
      ['192.0.3.1', '192.0.3.1', 4],
      ['198.17.255.255', '198.17.255.255', 4],
      ['198.20.0.1', '198.20.0.1', 4],
      ['223.255.255.254', '223.255.255.254', 4],
      ['2606:4700:4700::1111', '2606:4700:4700::1111', 6],
      ['2A00:1450:4001:0829:0000:0000:0000:200E', '2a00:1450:4001:829::200e', 6],
      ['2001:4860:4860::8888', '2001:4860:4860::8888', 6],
      ['2001:3::1', '2001:3::1', 6], // AMT, globally reachable
      ['2001:200::1', '2001:200::1', 6], // just past 2001::/23
      ['3fff:1000::1', '3fff:1000::1', 6], // just past 3fff::/20
    ])('%s', (input, canonical, family) => {
      expect(validateBackendAddress(input)).toEqual({ ok: true, address: canonical, family });
    });
  });

  describe('refuses input that is not exactly one address', () => {
    it.each([
      ['', /empty/],
      ['10.0.0.0/8', /is a prefix/],
      ['2001:db8::/32', /is a prefix/],
      ['8.8.8.8:53', /port/],
      ['[2606:4700::1]:443', /port/],
      ['[2606:4700::1]', /port or brackets/],
      ['fe80::1%eth0', /zone id/],
      ['example.com', /hostname/],
      ['backend-1.internal', /hostname/],
      ['localhost', /not an IP address/],
      ['8.8.8.8 ', /exactly one address/],
      [' 8.8.8.8', /exactly one address/],
      ['8.8.8.8,1.1.1.1', /exactly one address/],
      ['8.8.8.8 1.1.1.1', /exactly one address/],
      ['127.1', /not a standard IPv4 address/],
      ['0x7f.1', /not a standard IPv4 address/],
      ['0x7f000001', /not a standard IPv4 address/],
      ['2130706433', /not a standard IPv4 address/],
      ['010.1.1.1', /not a standard IPv4 address/],
      ['8.8.8.08', /not a standard IPv4 address/],
      ['8.8.8', /not a standard IPv4 address/],
      ['256.1.1.1', /not a standard IPv4 address/],
      ['1.2.3.4.5', /not a standard IPv4 address/],
      ['2001:db8::1::1', /not an IP address/],
      ['1:2:3:4:5:6:7:8:9', /not an IP address/],
      ['2001:db8:10000::1', /not an IP address/],
      ['::ffff:01.2.3.4', /not an IP address/],
      ['gggg::1', /not an IP address/],
    ])('%j', (input, message) => {
      const r = validateBackendAddress(input);
      expect(r).toMatchObject({ ok: false, code: 'invalid_syntax' });
      if (!r.ok) expect(r.message).toMatch(message);
    });

    it.each([[undefined], [null], [42], [['8.8.8.8']], [{ address: '8.8.8.8' }]])('non-string %j', (input) => {
      expect(validateBackendAddress(input)).toMatchObject({ ok: false, code: 'invalid_syntax' });
    });
  });

  describe('refuses special-purpose IPv4 addresses', () => {
    it.each([
      ['0.0.0.0', 'unspecified'],
      ['0.1.2.3', 'this_network'],
      ['10.0.0.5', 'private'],
      ['10.255.255.255', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.254', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'shared'],
      ['100.127.255.254', 'shared'],
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['169.254.169.254', 'link_local'],
      ['224.0.0.1', 'multicast'],
      ['239.255.255.250', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['240.0.0.1', 'reserved'],
      ['254.1.2.3', 'reserved'],
      ['198.18.0.1', 'benchmarking'],
      ['198.19.255.254', 'benchmarking'],
      ['192.0.0.1', 'protocol_assignment'], // DS-Lite
      ['192.0.0.8', 'protocol_assignment'], // dummy address
      ['192.0.0.170', 'protocol_assignment'], // NAT64 discovery
      ['192.88.99.1', 'reserved'], // deprecated 6to4 relay anycast
      ['192.0.2.1', 'documentation'],
      ['198.51.100.7', 'documentation'],
      ['203.0.113.254', 'documentation'],
    ])('%s is %s', (input, code) => {
      expect(validateBackendAddress(input)).toMatchObject({ ok: false, code });
    });
  });

  describe('refuses special-purpose IPv6 addresses', () => {
    it.each([
      ['::', 'unspecified'],
      ['::1', 'loopback'],
      ['fe80::1', 'link_local'],
      ['febf:ffff::1', 'link_local'],
      ['fec0::1', 'site_local'],
      ['fc00::1', 'unique_local'],
      ['fd12:3456:789a::1', 'unique_local'],
      ['ff02::1', 'multicast'],
      ['ff0e::101', 'multicast'],
      ['2001:db8::1', 'documentation'],
      ['2001:db8:ffff:ffff::1', 'documentation'],
      ['3fff::1', 'documentation'],
      ['3fff:fff:ffff::1', 'documentation'],
      ['2001:2::1', 'benchmarking'],
      ['2001::1', 'teredo'],
      ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
      ['2001:10::1', 'identifier'],
      ['2001:20::1', 'identifier'],
      ['2001:30::1', 'identifier'],
      ['2001:100::1', 'protocol_assignment'],
      ['2001:1::4', 'protocol_assignment'],
      ['100::1', 'discard'],
      ['100:0:0:1::1', 'reserved'],
      ['5f00::1', 'reserved'],
      ['::ffff:8.8.8.8', 'ipv4_mapped'],
      ['::ffff:10.0.0.1', 'ipv4_mapped'],
      ['::ffff:0808:0808', 'ipv4_mapped'],
      ['::ffff:0:8.8.8.8', 'ipv4_translated'],
      ['::8.8.8.8', 'ipv4_compatible'],
      ['::0808:0808', 'ipv4_compatible'],
      ['::127.0.0.1', 'ipv4_compatible'],
      ['64:ff9b::8.8.8.8', 'nat64'],
      ['64:ff9b::a00:1', 'nat64'],
      ['64:ff9b:1::1', 'nat64'],
      ['2002:0a00:0001::1', '6to4'],
      ['2002:0808:0808::1', '6to4'],
      ['4000::1', 'not_global_unicast'],
      ['1::1', 'not_global_unicast'],
      ['e000::1', 'not_global_unicast'],
    ])('%s is %s', (input, code) => {
      expect(validateBackendAddress(input)).toMatchObject({ ok: false, code });
    });
  });

  describe('messages say why', () => {
    const message = (input: string, opts = {}) => {
      const r = validateBackendAddress(input, opts);
      if (r.ok) throw new Error(`${input} was accepted`);
      return r.message;
    };

    it('names the range and the public-internet rule', () => {
      expect(message('10.0.0.5')).toBe(
        '10.0.0.5 is a private address (10.0.0.0/8); backends must be reachable on the public internet',
      );
      expect(message('FE80::0001')).toBe(
        'fe80::1 is a link-local address (fe80::/10); backends must be reachable on the public internet',
      );
    });

    it('shows the embedded IPv4 address of transition forms', () => {
      expect(message('::ffff:10.0.0.5')).toMatch(/IPv4-mapped IPv6 address \(::ffff:0:0\/96\) embedding 10\.0\.0\.5/);
      expect(message('::8.8.8.8')).toMatch(/IPv4-compatible .* embedding 8\.8\.8\.8/);
      expect(message('64:ff9b::c000:201')).toMatch(/NAT64 address .* embedding 192\.0\.2\.1/);
      expect(message('2002:c633:6401::1')).toMatch(/6to4 address \(2002::\/16\) embedding 198\.51\.100\.1/);
      expect(message('2001:0:4136:e378:8000:63bf:3fff:fdd2')).toMatch(/Teredo address .* embedding 192\.0\.2\.45/);
    });

    it('hints that documentation ranges are lab-only', () => {
      expect(message('192.0.2.1')).toMatch(/documentation address \(192\.0\.2\.0\/24\).*only lab and demo/);
    });
  });

  describe('allowDocumentationAndUla', () => {
    const lab = { allowDocumentationAndUla: true };
    it.each([
      ['192.0.2.10', 4],
      ['198.51.100.10', 4],
      ['203.0.113.10', 4],
      ['2001:db8::10', 6],
      ['3fff::10', 6],
      ['fd00::10', 6],
      ['fc00::10', 6],
    ])('accepts %s', (input, family) => {
      expect(validateBackendAddress(input, lab)).toMatchObject({ ok: true, family });
    });
    it.each([
      ['10.0.0.1', 'private'],
      ['127.0.0.1', 'loopback'],
      ['fe80::1', 'link_local'],
      ['::ffff:192.0.2.1', 'ipv4_mapped'],
      ['198.18.0.1', 'benchmarking'],
      ['100.64.0.1', 'shared'],
    ])('still refuses %s', (input, code) => {
      expect(validateBackendAddress(input, lab)).toMatchObject({ ok: false, code });
    });
  });

  describe('platform addresses', () => {
    const opts = {
      allowDocumentationAndUla: true,
      platformPrefixes: ['203.0.113.0/24', '2001:db8:100::/48', '45.12.34.0/24'],
      edgeAddresses: ['198.51.100.2', '2001:db8:ffff::2', 'fd00:1::2'],
    };
    it.each([
      ['203.0.113.1', 'platform_pool'],
      ['45.12.34.200', 'platform_pool'],
      ['2001:db8:100:5::1', 'platform_pool'],
      ['198.51.100.2', 'platform_edge'],
      ['2001:DB8:FFFF:0::2', 'platform_edge'],
      ['fd00:1:0::2', 'platform_edge'],
    ])('refuses %s (%s)', (input, code) => {
      expect(validateBackendAddress(input, opts)).toMatchObject({ ok: false, code });
    });
    it.each([['198.51.100.3'], ['45.12.35.1'], ['2001:db8:101::1'], [PUBLIC_V4]])('accepts %s', (input) => {
      expect(validateBackendAddress(input, opts)).toMatchObject({ ok: true });
    });
    it('explains the loop', () => {
      const r = validateBackendAddress('45.12.34.9', opts);
      expect(!r.ok && r.message).toBe(
        "45.12.34.9 is inside the platform's anycast pool 45.12.34.0/24; a backend must not point back into Anyfront",
      );
    });
    it('refuses pool addresses even when the range is otherwise global', () => {
      expect(validateBackendAddress('45.12.34.9', { platformPrefixes: ['45.12.34.0/24'] })).toMatchObject({
        ok: false,
        code: 'platform_pool',
      });
    });
  });
});
