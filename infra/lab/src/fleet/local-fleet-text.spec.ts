import { labPrerequisites, localFleetInstructions } from './local-fleet-text';

describe('npm start local fleet', () => {
  const all = (): boolean => true;

  it('runs the lab only as root on Linux with every tool present', () => {
    expect(labPrerequisites(all, 0, 'linux')).toBeNull();
    expect(labPrerequisites(all, 1000, 'linux')).toBe('not running as root');
    expect(labPrerequisites(all, 0, 'darwin')).toMatch(/not Linux/);
    expect(labPrerequisites((b) => b !== 'bird' && b !== 'nft', 0, 'linux')).toBe('missing nft, bird (apt-get install iproute2 nftables bird2)');
  });

  it('prints runnable commands with the API key, every backend and the client namespace', () => {
    const text = localFleetInstructions({
      apiUrl: 'http://localhost:4000', apiKey: 'afk_x', edges: [{ ns: 'af-edge1', pop: 'ams' }], clientNs: 'af-client1',
      backends: ['fd00:0:b1::2', 'fd00:0:b2::2'], prefixes: ['192.0.2.0/24'],
    });
    expect(text).toContain('export AF=http://localhost:4000 KEY=afk_x');
    expect(text).toContain(`-d '{"address":"fd00:0:b1::2"}'`);
    expect(text).toContain(`-d '{"address":"fd00:0:b2::2"}'`);
    expect(text).toContain('ip netns exec af-client1 curl');
    expect(text).toContain('af-edge1 (PoP ams)');
  });
});
