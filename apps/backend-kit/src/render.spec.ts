import { defaultMss, parseBackendKitOptions, type BackendKitInput } from './options';
import { planToShell, renderBackendKit } from './render';

const base = { anycast: ['203.0.113.1', '2001:DB8:0::1'], dev: 'eth0' };
const plan = (input: BackendKitInput) => renderBackendKit(parseBackendKitOptions({ ...base, ...input }));

const RP = [
  { key: 'net.ipv4.conf.all.rp_filter', value: '2' },
  { key: 'net.ipv4.conf.eth0.rp_filter', value: '2' },
  { key: 'net.ipv4.conf.lo.rp_filter', value: '2' },
];
const LO = [['ip', 'addr', 'add', '203.0.113.1/32', 'dev', 'lo'], ['ip', 'addr', 'add', '2001:db8::1/128', 'dev', 'lo']];
const LO_UNDO = [['ip', 'addr', 'del', '203.0.113.1/32', 'dev', 'lo'], ['ip', 'addr', 'del', '2001:db8::1/128', 'dev', 'lo']];
const split = (s: string) => s.split(' ');

describe('renderBackendKit', () => {
  it('srv6: SRH decap sysctls, anycast on lo, seg6local routes for extra SIDs', () => {
    const p = plan({ encap: 'srv6', backendAddress: 'fd00:b::2', sid4: 'fd00:b:5::4', sid6: 'fd00:b:5::6' });
    expect(p.sysctls).toEqual([...RP,
      { key: 'net.ipv6.conf.all.seg6_enabled', value: '1' },
      { key: 'net.ipv6.conf.eth0.seg6_enabled', value: '1' }]);
    expect(p.commands).toEqual([...LO,
      split('ip -6 route add fd00:b:5::4/128 encap seg6local action End.DX4 nh4 0.0.0.0 dev eth0'),
      split('ip -6 route add fd00:b:5::6/128 encap seg6local action End.DT6 table 255 dev eth0')]);
    expect(p.undo).toEqual([
      split('ip -6 route del fd00:b:5::6/128 dev eth0'),
      split('ip -6 route del fd00:b:5::4/128 dev eth0'),
      ...LO_UNDO]);
    expect(p.loAddresses).toEqual(['203.0.113.1/32', '2001:db8::1/128']);
  });

  it('srv6 without SIDs needs no route: the backend address itself decapsulates both families', () => {
    const p = plan({ encap: 'srv6', backendAddress: 'fd00:b::2' });
    expect(p.commands).toEqual(LO);
    expect(p.undo).toEqual(LO_UNDO);
  });

  it('srv6 with only IPv6 anycast leaves IPv4 rp_filter alone', () => {
    const p = renderBackendKit(parseBackendKitOptions({ encap: 'srv6', anycast: ['fd00:a::1'], backendAddress: 'fd00:b::2', dev: 'eth0.100' }));
    expect(p.sysctls.map((s) => s.key)).toEqual(['net.ipv6.conf.all.seg6_enabled', 'net.ipv6.conf.eth0/100.seg6_enabled']);
    expect(p.nft).not.toContain('ip saddr');
    expect(p.nft).not.toContain('mss_clamp_ipv4');
  });

  it('ipip: an ipip device for IPv4 inner and a sit device for IPv6 inner', () => {
    const p = plan({ encap: 'ipip', backendAddress: '192.0.2.10' });
    expect(p.sysctls).toEqual(RP);
    expect(p.commands).toEqual([...LO,
      split('ip link add name anyfront-ipip type ipip local 192.0.2.10 remote any'),
      split('ip link set dev anyfront-ipip up'),
      split('ip link add name anyfront-sit type sit local 192.0.2.10 remote any'),
      split('ip link set dev anyfront-sit up')]);
    expect(p.undo).toEqual([split('ip link del dev anyfront-sit'), split('ip link del dev anyfront-ipip'), ...LO_UNDO]);
    expect(p.nft).toContain('tcp option maxseg size > 1440 tcp option maxseg size set 1440');
  });

  it('ip6ip6: one ip6tnl device in mode any', () => {
    const p = plan({ encap: 'ip6ip6', backendAddress: 'fd00:b::2' });
    expect(p.commands).toEqual([...LO,
      split('ip link add name anyfront-ip6tnl type ip6tnl mode any local fd00:b::2 remote ::'),
      split('ip link set dev anyfront-ip6tnl up')]);
    expect(p.undo).toEqual([split('ip link del dev anyfront-ip6tnl'), ...LO_UNDO]);
    expect(p.nft).toContain('maxseg size set 1420 counter name "mss_clamp_ipv4"');
    expect(p.nft).toContain('maxseg size set 1400 counter name "mss_clamp_ipv6"');
  });

  it('gue over IPv4: fou port plus ipip/sit devices with GUE encap', () => {
    const p = plan({ encap: 'gue', backendAddress: '192.0.2.10', guePort: '6080' });
    expect(p.commands).toEqual([...LO,
      split('ip fou add port 6080 gue'),
      split('ip link add name anyfront-gue type ipip local 192.0.2.10 remote any encap gue encap-sport auto encap-dport 6080'),
      split('ip link set dev anyfront-gue up'),
      split('ip link add name anyfront-gues type sit local 192.0.2.10 remote any encap gue encap-sport auto encap-dport 6080'),
      split('ip link set dev anyfront-gues up')]);
    expect(p.undo).toEqual([split('ip link del dev anyfront-gues'), split('ip link del dev anyfront-gue'), split('ip fou del port 6080'), ...LO_UNDO]);
    // 1500 - 20 (outer IPv4) - 8 (UDP) - 4 (GUE) - 20 (inner IPv4) - 20 (TCP)
    expect(p.nft).toContain('maxseg size set 1428 counter name "mss_clamp_ipv4"');
  });

  it('gue over IPv6: fou port -6 plus one ip6tnl device with GUE encap', () => {
    const p = plan({ encap: 'gue', backendAddress: 'fd00:b::2', guePort: 6080 });
    expect(p.commands).toEqual([...LO,
      split('ip fou add port 6080 gue -6'),
      split('ip link add name anyfront-gue6 type ip6tnl mode any local fd00:b::2 remote :: encap gue encap-sport auto encap-dport 6080'),
      split('ip link set dev anyfront-gue6 up')]);
    expect(p.undo).toEqual([split('ip link del dev anyfront-gue6'), split('ip fou del port 6080 -6'), ...LO_UNDO]);
  });

  it('renders one atomic nft file that replaces the kit table and clamps SYN-ACKs by family', () => {
    const p = plan({ encap: 'srv6', backendAddress: 'fd00:b::2', anycast: ['203.0.113.1', '203.0.113.2', 'fd00:a::1'] });
    expect(p.nft).toBe([
      '# Written by the Anyfront backend kit; replaced whole on every `up`, deleted by `down`.',
      'table inet anyfront_backend {}',
      'delete table inet anyfront_backend',
      'table inet anyfront_backend {',
      '\tcounter mss_clamp_ipv4 {',
      '\t}',
      '\tcounter mss_clamp_ipv6 {',
      '\t}',
      '\t# Clamp the MSS our SYN-ACKs advertise so client segments still fit the tunnel (only ever lower it).',
      '\tchain output {',
      '\t\ttype filter hook output priority mangle; policy accept;',
      '\t\tip saddr { 203.0.113.1, 203.0.113.2 } tcp flags & (syn | ack) == syn | ack tcp option maxseg size > 1396 tcp option maxseg size set 1396 counter name "mss_clamp_ipv4"',
      '\t\tip6 saddr { fd00:a::1 } tcp flags & (syn | ack) == syn | ack tcp option maxseg size > 1376 tcp option maxseg size set 1376 counter name "mss_clamp_ipv6"',
      '\t}',
      '}',
      '',
    ].join('\n'));
    expect(p.nftUndo).toBe('table inet anyfront_backend {}\ndelete table inet anyfront_backend\n');
  });

  it('honours explicit --mtu / --mss / --mss6', () => {
    const p = plan({ encap: 'srv6', backendAddress: 'fd00:b::2', mtu: '9000', mss6: '1300' });
    expect(p.nft).toContain(`size set ${9000 - 64 - 40} counter name "mss_clamp_ipv4"`);
    expect(p.nft).toContain('size set 1300 counter name "mss_clamp_ipv6"');
    expect(plan({ encap: 'srv6', backendAddress: 'fd00:b::2', mss: 1200 }).nft).toContain('size set 1200 counter name "mss_clamp_ipv4"');
  });

  it('prints a readable shell script for up and down', () => {
    const p = plan({ encap: 'gue', backendAddress: '192.0.2.10', guePort: 6080 });
    const up = planToShell(p, 'up');
    expect(up).toContain('sysctl -w net.ipv4.conf.all.rp_filter=2\n');
    expect(up).toContain('ip fou add port 6080 gue\n');
    expect(up).toContain("nft -f - <<'NFT'\n# Written by");
    expect(planToShell(p, 'down')).toContain('ip fou del port 6080 || true\n');
  });
});

describe('defaultMss', () => {
  it('subtracts tunnel, inner IP and TCP headers from the MTU', () => {
    expect(defaultMss('srv6', 6, 4, 1500)).toBe(1500 - 40 - 24 - 20 - 20);
    expect(defaultMss('srv6', 6, 6, 1500)).toBe(1500 - 40 - 24 - 40 - 20);
    expect(defaultMss('ipip', 4, 4, 1500)).toBe(1440);
    expect(defaultMss('ip6ip6', 6, 6, 1500)).toBe(1400);
    expect(defaultMss('gue', 6, 4, 1500)).toBe(1500 - 40 - 12 - 20 - 20);
  });
});
