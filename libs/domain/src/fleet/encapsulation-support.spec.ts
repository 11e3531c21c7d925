import { encapsulationRefusalReason } from './encapsulation-support';

const lab = { seg6: true, ipip: false, sit: false, ip6tnl: false, fou: false, nft: true };
const full = { seg6: true, ipip: true, sit: true, ip6tnl: true, fou: true, nft: true };

describe('encapsulationRefusalReason', () => {
  it('refuses an encapsulation no node of the PoPs supports, naming the PoPs and what they do support', () => {
    expect(encapsulationRefusalReason('gue', [{ popCode: 'fra', capabilities: lab }, { popCode: 'ams', capabilities: lab }]))
      .toBe("no edge node of this service's PoPs (ams, fra) can program encapsulation gue: their kernels lack the modules it needs. They support: srv6.");
  });
  it('accepts when one node supports it, when a node has not reported yet, and when no node serves the service', () => {
    expect(encapsulationRefusalReason('ipip', [{ popCode: 'ams', capabilities: lab }, { popCode: 'fra', capabilities: full }])).toBeNull();
    expect(encapsulationRefusalReason('ipip', [{ popCode: 'ams', capabilities: lab }, { popCode: 'fra', capabilities: null }])).toBeNull();
    expect(encapsulationRefusalReason('ipip', [])).toBeNull();
    expect(encapsulationRefusalReason('srv6', [{ popCode: 'ams', capabilities: lab }])).toBeNull();
  });
});
