import fc from 'fast-check';
import * as ipaddr from 'ipaddr.js';
import { validateBackendAddress } from './backend-address';

/**
 * Cross-check against an independent classification (ipaddr.js's own range tables): an address is
 * accepted exactly when ipaddr.js calls it unicast (or a globally reachable AS112/AMT block), apart
 * from the few IANA "globally reachable" exceptions inside larger special blocks.
 */
const V4_EXCEPTIONS = new Set(['192.0.0.9', '192.0.0.10']);
const V6_EXCEPTIONS = new Set(['2001:1::1', '2001:1::2', '2001:1::3']);

describe('validateBackendAddress agrees with ipaddr.js range tables', () => {
  it('IPv4', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const first = fc.oneof(octet, fc.constantFrom(0, 10, 100, 127, 169, 172, 192, 198, 203, 224, 240, 255));
    fc.assert(
      fc.property(first, octet, octet, octet, (a, b, c, d) => {
        const text = `${a}.${b}.${c}.${d}`;
        const expected = ['unicast', 'as112', 'amt'].includes(ipaddr.IPv4.parse(text).range()) || V4_EXCEPTIONS.has(text);
        expect({ text, ok: validateBackendAddress(text).ok }).toEqual({ text, ok: expected });
      }),
      { numRuns: 5_000 },
    );
  });

  it('IPv6', () => {
    const group = fc.integer({ min: 0, max: 0xffff });
    const first = fc.oneof(group, fc.constantFrom(0, 0x64, 0x100, 0x2001, 0x2002, 0x2400, 0x2620, 0x3fff, 0x5f00, 0xfc00, 0xfd00, 0xfe80, 0xfec0, 0xff02));
    const second = fc.oneof(group, fc.constantFrom(0, 1, 2, 3, 4, 0x10, 0x20, 0x30, 0xdb8, 0xff9b));
    const low = fc.oneof(group, fc.constant(0));
    fc.assert(
      fc.property(first, second, low, low, low, low, low, low, (...parts) => {
        const addr = new ipaddr.IPv6(parts);
        const text = addr.toRFC5952String();
        const global = addr.match(ipaddr.IPv6.parse('2000::'), 3);
        const expected = (global && ['unicast', 'amt', 'as112v6'].includes(addr.range())) || V6_EXCEPTIONS.has(text);
        expect({ text, ok: validateBackendAddress(text).ok }).toEqual({ text, ok: expected });
      }),
      { numRuns: 5_000 },
    );
  });
});
