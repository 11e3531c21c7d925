import { ipBytes, labReachable, reachableAddresses } from './lab-addresses';

describe('lab control-plane mode addresses', () => {
  it('keeps only addresses inside the prefixes the lab router accepts', () => {
    expect(labReachable('192.0.2.17')).toBe(true);
    expect(labReachable('fd00:a0::5')).toBe(true);
    expect(labReachable('198.51.100.10')).toBe(false); // a lab client's own address
    expect(labReachable('fd00:a1::5')).toBe(false);
    expect(labReachable('not an address')).toBe(false);
  });

  it('orders reachable addresses IPv4 first and drops the rest', () => {
    expect(reachableAddresses([
      { address: 'fd00:a0::3', family: 6 },
      { address: '198.51.100.3', family: 4 },
      { address: '192.0.2.3', family: 4 },
    ])).toEqual(['192.0.2.3', 'fd00:a0::3']);
  });

  it('subtracts the Ethernet header of every frame', () => {
    expect(ipBytes(1514 * 10, 10)).toBe(1500 * 10);
  });
});
