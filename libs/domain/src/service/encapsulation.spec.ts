import { checkBackendFamily, checkEncapsulationChange } from './encapsulation';

describe('encapsulation and backend family', () => {
  it.each([
    ['srv6', 6, true],
    ['ip6ip6', 6, true],
    ['ipip', 4, true],
    ['gue', 4, true],
    ['srv6', 4, false],
    ['ip6ip6', 4, false],
    ['ipip', 6, false],
    ['gue', 6, false],
  ] as const)('%s with an IPv%s backend: %s', (encap, family, ok) => {
    expect(checkBackendFamily(encap, family === 4 ? '8.8.8.8' : '2606:4700::1', family).ok).toBe(ok);
  });

  it('says which family is needed and what to do', () => {
    const r = checkBackendFamily('srv6', '8.8.8.8', 4);
    expect(!r.ok && r.message).toBe(
      "srv6 encapsulation carries traffic to an IPv6 backend address, but 8.8.8.8 is IPv4; use an IPv6 address or switch the service's encapsulation to ipip or gue",
    );
    const r2 = checkBackendFamily('ipip', '2606:4700::1', 6);
    expect(!r2.ok && r2.message).toMatch(/ipip encapsulation carries traffic to an IPv4 backend address.*srv6 or ip6ip6/);
  });

  it('refuses an encapsulation change that strands backends', () => {
    const backends = [
      { address: '2606:4700::1', family: 6 as const },
      { address: '8.8.8.8', family: 4 as const },
    ];
    const r = checkEncapsulationChange('ipip', backends);
    expect(!r.ok && r.message).toMatch(/ipip encapsulation needs IPv4 backend addresses, but the service has IPv6 backends \(2606:4700::1\)/);
    expect(checkEncapsulationChange('srv6', [backends[0]]).ok).toBe(true);
    expect(checkEncapsulationChange('gue', []).ok).toBe(true);
  });
});
