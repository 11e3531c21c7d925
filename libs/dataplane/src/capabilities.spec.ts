import { ALL_CAPABILITIES, supportedEncapsulations, tunnelNeeds, unsupportedReason } from './capabilities';
import { service } from './fixtures.spec-helpers';

const lab = { seg6: true, ipip: false, sit: false, ip6tnl: false, fou: false, nft: true };

describe('kernel capabilities', () => {
  it('names what each tunnel needs, as routes.ts renders it', () => {
    expect(tunnelNeeds('srv6', 6, [4])).toEqual(['seg6']);
    expect(tunnelNeeds('ipip', 4, [4])).toEqual(['ipip']);
    expect(tunnelNeeds('ipip', 4, [4, 6])).toEqual(['sit']);
    expect(tunnelNeeds('ip6ip6', 6, [4])).toEqual(['ip6tnl']);
    expect(tunnelNeeds('gue', 4, [4])).toEqual(['ipip', 'fou']);
    expect(tunnelNeeds('gue', 6, [4])).toEqual(['ip6tnl', 'fou']);
  });
  it('says why a service cannot be programmed, or null', () => {
    expect(unsupportedReason(service('web'), lab)).toBeNull();
    expect(unsupportedReason(service('web', { encapsulation: 'gue', gue_port: 6080, backends: [{ id: 'b', address: '203.0.113.7', weight: 1, enabled: true }] }), lab))
      .toBe("encapsulation gue needs the ipip tunnel module and the fou module (GUE), which this edge's kernel lacks");
    expect(unsupportedReason(service('web'), { ...ALL_CAPABILITIES, nft: false })).toContain('nftables');
  });
  it('lists the encapsulations a node can program', () => {
    expect(supportedEncapsulations(lab)).toEqual(['srv6']);
    expect(supportedEncapsulations(ALL_CAPABILITIES)).toEqual(['srv6', 'ipip', 'ip6ip6', 'gue']);
  });
});
