import { parseListeners, parsePortRange } from './listeners';

describe('parsePortRange', () => {
  it.each([
    ['443', 443, 443],
    ['1', 1, 1],
    ['65535', 65535, 65535],
    ['8000-8100', 8000, 8100],
    ['53-53', 53, 53],
  ])('%s', (text, from, to) => expect(parsePortRange(text)).toEqual({ ok: true, from, to }));

  it.each([
    ['0', /not a port/],
    ['65536', /out of range/],
    ['70000-70001', /out of range/],
    ['8100-8000', /backwards/],
    ['0443', /not a port/],
    ['443-', /not a port/],
    ['-443', /not a port/],
    ['443,444', /not a port/],
    [' 443', /not a port/],
    ['https', /not a port/],
    ['1-2-3', /not a port/],
    [443, /must be a string/],
  ])('refuses %j', (text, message) => {
    const r = parsePortRange(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

describe('parseListeners', () => {
  it('parses and canonicalises', () => {
    expect(
      parseListeners([
        { protocol: 'tcp', ports: '443' },
        { protocol: 'udp', ports: '443' },
        { protocol: 'tcp', ports: '8000-8100' },
        { protocol: 'tcp', ports: '80-80' },
      ]),
    ).toEqual({
      ok: true,
      listeners: [
        { protocol: 'tcp', ports: '443', from: 443, to: 443 },
        { protocol: 'udp', ports: '443', from: 443, to: 443 },
        { protocol: 'tcp', ports: '8000-8100', from: 8000, to: 8100 },
        { protocol: 'tcp', ports: '80', from: 80, to: 80 },
      ],
    });
  });

  it.each([
    ['not a list', { protocol: 'tcp', ports: '443' }, 'listeners', /must be a list/],
    ['empty', [], 'listeners', /at least one listener/],
    ['bad protocol', [{ protocol: 'icmp', ports: '1' }], 'listeners[0].protocol', /"tcp" or "udp"/],
    ['missing ports', [{ protocol: 'tcp' }], 'listeners[0].ports', /must be a string/],
    ['bad range', [{ protocol: 'tcp', ports: '80' }, { protocol: 'udp', ports: '99-9' }], 'listeners[1].ports', /backwards/],
    ['unknown field', [{ protocol: 'tcp', ports: '80', tls: true }], 'listeners[0].tls', /unknown listener field/],
    ['not an object', ['tcp/443'], 'listeners[0]', /must be an object/],
    [
      'same port twice',
      [{ protocol: 'tcp', ports: '443' }, { protocol: 'tcp', ports: '443' }],
      'listeners[1].ports',
      /tcp 443 overlaps listeners\[0\] \(tcp 443\)/,
    ],
    [
      'intersecting ranges',
      [{ protocol: 'udp', ports: '5000-6000' }, { protocol: 'tcp', ports: '80' }, { protocol: 'udp', ports: '6000-6100' }],
      'listeners[2].ports',
      /udp 6000-6100 overlaps listeners\[0\] \(udp 5000-6000\)/,
    ],
    [
      'port inside range',
      [{ protocol: 'tcp', ports: '8000-8100' }, { protocol: 'tcp', ports: '8050' }],
      'listeners[1].ports',
      /overlaps/,
    ],
  ])('%s', (_name, input, field, message) => {
    const r = parseListeners(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors[0].field).toBe(field);
      expect(r.errors[0].message).toMatch(message);
    }
  });

  it('allows adjacent ranges and the same port on different protocols', () => {
    expect(
      parseListeners([
        { protocol: 'tcp', ports: '8000-8099' },
        { protocol: 'tcp', ports: '8100-8200' },
        { protocol: 'udp', ports: '8000-8200' },
      ]).ok,
    ).toBe(true);
  });

  it('caps the number of listeners', () => {
    const many = Array.from({ length: 65 }, (_, i) => ({ protocol: 'tcp', ports: String(i + 1) }));
    expect(parseListeners(many)).toMatchObject({ ok: false, errors: [{ field: 'listeners', message: /at most 64/ }] });
  });
});
