import { normalizeTlsFingerprint, pushUrlRefusal } from './push-url';

const node = { nodeAddresses: ['198.51.100.10', '2001:db8:ff::10', null], labMode: false };
const lab = { ...node, labMode: true };

describe('pushUrlRefusal', () => {
  it('accepts https to one of the node addresses, in any notation', () => {
    expect(pushUrlRefusal('https://198.51.100.10:9180/v1/desired-state', node)).toBeNull();
    expect(pushUrlRefusal('https://[2001:db8:ff:0::10]:9180/v1/desired-state', node)).toBeNull();
    expect(pushUrlRefusal('https://[::ffff:198.51.100.10]/v1/desired-state', node)).toBeNull();
  });

  it('refuses every other host: foreign addresses, names, metadata and loopback outside the lab', () => {
    expect(pushUrlRefusal('https://198.51.100.11/v1/desired-state', node)).toMatch(/not an address of this edge node/);
    expect(pushUrlRefusal('https://169.254.169.254/latest/meta-data', node)).toMatch(/not an address of this edge node/);
    expect(pushUrlRefusal('https://edge1.example.net/v1/desired-state', node)).toMatch(/host names are not accepted/);
    expect(pushUrlRefusal('https://127.0.0.1:9180/v1/desired-state', node)).toMatch(/loopback/);
    expect(pushUrlRefusal('https://[::1]:9180/v1/desired-state', node)).toMatch(/loopback/);
    expect(pushUrlRefusal('https://0x7f.1/v1/desired-state', node)).toMatch(/loopback/); // WHATWG URL turns it into 127.0.0.1
    expect(pushUrlRefusal('https://user:pw@198.51.100.10/v1/desired-state', node)).toMatch(/credentials/);
    expect(pushUrlRefusal('ftp://198.51.100.10/', node)).toMatch(/https/);
  });

  it('refuses plain http outside the lab/local mode; the lab may push over http and to loopback', () => {
    expect(pushUrlRefusal('http://198.51.100.10:9180/v1/desired-state', node)).toMatch(/must be https/);
    expect(pushUrlRefusal('http://198.51.100.10:9180/v1/desired-state', lab)).toBeNull();
    expect(pushUrlRefusal('http://127.0.0.1:9180/v1/desired-state', lab)).toBeNull();
    expect(pushUrlRefusal('http://198.51.100.99:9180/v1/desired-state', lab)).toMatch(/not an address of this edge node/);
  });
});

describe('normalizeTlsFingerprint', () => {
  it('accepts SHA-256 in hex with or without colons, any case', () => {
    const hex = 'ab'.repeat(32);
    expect(normalizeTlsFingerprint(hex)).toBe(Array(32).fill('AB').join(':'));
    expect(normalizeTlsFingerprint(Array(32).fill('ab').join(':'))).toBe(Array(32).fill('AB').join(':'));
    expect(normalizeTlsFingerprint('ab'.repeat(20))).toBeNull(); // SHA-1
  });
});
