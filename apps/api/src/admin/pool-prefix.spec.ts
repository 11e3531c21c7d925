import { parseHostAddress, parsePoolPrefix } from './pool-prefix';

describe('parsePoolPrefix', () => {
  const lab = { allowDocumentation: true };

  it('accepts IPv4 /24 and IPv6 /48 network prefixes and canonicalizes them', () => {
    expect(parsePoolPrefix('192.0.2.0/24', lab)).toEqual({ ok: true, prefix: '192.0.2.0/24', family: 4 });
    expect(parsePoolPrefix('2001:DB8:A0:0::/48', lab)).toEqual({ ok: true, prefix: '2001:db8:a0::/48', family: 6 });
    expect(parsePoolPrefix('fd00:a0::/48', lab)).toEqual({ ok: true, prefix: 'fd00:a0::/48', family: 6 });
    expect(parsePoolPrefix('45.67.89.0/24')).toEqual({ ok: true, prefix: '45.67.89.0/24', family: 4 });
    expect(parsePoolPrefix('2a0e:1234:5600::/48')).toEqual({ ok: true, prefix: '2a0e:1234:5600::/48', family: 6 });
  });

  it('refuses other lengths, host bits, garbage and mapped forms with a message that says why', () => {
    expect(parsePoolPrefix('45.67.0.0/16')).toMatchObject({ ok: false, message: expect.stringMatching(/IPv4 \/24.*got \/16/) });
    expect(parsePoolPrefix('2a0e:1234::/32')).toMatchObject({ ok: false, message: expect.stringMatching(/IPv6 \/48/) });
    expect(parsePoolPrefix('45.67.89.7/24')).toMatchObject({ ok: false, message: expect.stringMatching(/did you mean 45\.67\.89\.0\/24/) });
    expect(parsePoolPrefix('45.67.89.0')).toMatchObject({ ok: false });
    expect(parsePoolPrefix('hello/24')).toMatchObject({ ok: false });
    expect(parsePoolPrefix('300.1.1.0/24')).toMatchObject({ ok: false });
    expect(parsePoolPrefix('::ffff:45.67.89.0/120')).toMatchObject({ ok: false });
  });

  it('refuses space that is not announceable, and documentation/ULA space unless the lab setting allows it', () => {
    expect(parsePoolPrefix('10.1.2.0/24', lab)).toMatchObject({ ok: false, message: expect.stringMatching(/private/) });
    expect(parsePoolPrefix('127.0.0.0/24', lab)).toMatchObject({ ok: false });
    expect(parsePoolPrefix('224.0.1.0/24', lab)).toMatchObject({ ok: false });
    expect(parsePoolPrefix('192.0.2.0/24')).toMatchObject({ ok: false, message: expect.stringMatching(/ALLOW_DOCUMENTATION_ADDRESSES/) });
    expect(parsePoolPrefix('fd00:a0::/48')).toMatchObject({ ok: false });
    expect(parsePoolPrefix('fe80:1::/48', lab)).toMatchObject({ ok: false });
    expect(parsePoolPrefix('4000::/48', lab)).toMatchObject({ ok: false, message: expect.stringMatching(/2000::\/3/) });
  });
});

describe('parseHostAddress', () => {
  it('accepts one unicast address of the family', () => {
    expect(parseHostAddress('198.51.100.7', 4)).toEqual({ ok: true, address: '198.51.100.7' });
    expect(parseHostAddress('2001:DB8::1', 6)).toEqual({ ok: true, address: '2001:db8::1' });
  });
  it('refuses prefixes, other families and non-unicast addresses', () => {
    expect(parseHostAddress('198.51.100.0/24', 4).ok).toBe(false);
    expect(parseHostAddress('2001:db8::1', 4).ok).toBe(false);
    expect(parseHostAddress('198.51.100.7', 6).ok).toBe(false);
    expect(parseHostAddress('0.0.0.0', 4).ok).toBe(false);
    expect(parseHostAddress('ff02::1', 6).ok).toBe(false);
    expect(parseHostAddress('127.0.0.1', 4).ok).toBe(false);
    expect(parseHostAddress('010.1.1.1', 4).ok).toBe(false);
  });
});
