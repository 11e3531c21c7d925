import { DEFAULT_GUE_PORT } from '@anyfront/contracts';
import { checkBackendFamily, checkEncapsulationChange, resolveGuePort } from './encapsulation';
import { parseListeners, type Listener } from './listeners';

function listeners(...l: { protocol: 'tcp' | 'udp'; ports: string }[]): Listener[] {
  const r = parseListeners(l);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.listeners;
}

describe('encapsulation and backend family', () => {
  it.each([
    ['srv6', 6, true],
    ['ip6ip6', 6, true],
    ['ipip', 4, true],
    ['gue', 4, true],
    // GUE rides an ipip/sit device to IPv4 backends and an ip6tnl device to IPv6 ones.
    ['gue', 6, true],
    ['srv6', 4, false],
    ['ip6ip6', 4, false],
    ['ipip', 6, false],
  ] as const)('%s with an IPv%s backend: %s', (encap, family, ok) => {
    expect(checkBackendFamily(encap, family === 4 ? '8.8.8.8' : '2606:4700::1', family).ok).toBe(ok);
  });

  it('says which family is needed and what to do', () => {
    const r = checkBackendFamily('srv6', '8.8.8.8', 4);
    expect(!r.ok && r.message).toBe(
      "srv6 encapsulation carries traffic to an IPv6 backend address, but 8.8.8.8 is IPv4; use an IPv6 address or switch the service's encapsulation to ipip or gue",
    );
    const r2 = checkBackendFamily('ipip', '2606:4700::1', 6);
    expect(!r2.ok && r2.message).toMatch(/ipip encapsulation carries traffic to an IPv4 backend address.*srv6, ip6ip6 or gue/);
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
    expect(checkEncapsulationChange('gue', backends).ok).toBe(true);
  });
});

describe('gue_port', () => {
  const tcp443 = listeners({ protocol: 'tcp', ports: '443' });

  it('defaults to DEFAULT_GUE_PORT for gue and is null for every other encapsulation', () => {
    expect(resolveGuePort({ encapsulation: 'gue', requested: undefined, listeners: tcp443 })).toEqual({ ok: true, guePort: DEFAULT_GUE_PORT });
    expect(resolveGuePort({ encapsulation: 'gue', requested: 7000, listeners: tcp443 })).toEqual({ ok: true, guePort: 7000 });
    for (const e of ['srv6', 'ipip', 'ip6ip6'] as const) {
      expect(resolveGuePort({ encapsulation: e, requested: undefined, current: 7000, listeners: tcp443 })).toEqual({ ok: true, guePort: null });
    }
  });

  it('keeps the stored port on updates that do not name one', () => {
    expect(resolveGuePort({ encapsulation: 'gue', requested: undefined, current: 7000, listeners: tcp443 })).toEqual({ ok: true, guePort: 7000 });
  });

  it('refuses a port with another encapsulation, out of range, or on a UDP listener', () => {
    const withSrv6 = resolveGuePort({ encapsulation: 'srv6', requested: 7000, listeners: tcp443 });
    expect(!withSrv6.ok && withSrv6.errors).toEqual([{ field: 'gue_port', message: expect.stringMatching(/applies to encapsulation "gue" only/) }]);
    for (const bad of [80, 1023, 65536, 7000.5]) expect(resolveGuePort({ encapsulation: 'gue', requested: bad, listeners: tcp443 }).ok).toBe(false);
    const udp = listeners({ protocol: 'udp', ports: '6000-6100' });
    const clash = resolveGuePort({ encapsulation: 'gue', requested: undefined, listeners: udp });
    expect(!clash.ok && clash.errors[0].message).toMatch(/the default gue_port 6080 is also a UDP listener port of the service \(udp 6000-6100\)/);
    // The same port as a TCP listener is fine: the GUE socket is UDP.
    expect(resolveGuePort({ encapsulation: 'gue', requested: 6080, listeners: listeners({ protocol: 'tcp', ports: '6080' }) }).ok).toBe(true);
  });
});
