import { Executor, ExecResult } from './exec';
import { NftClient } from './nft-client';
import { RouteClient } from './route-client';

/** Answers commands from a table of canned outputs (captured from ip/nft on kernel 6.18) and records them. */
class FakeExec implements Executor {
  calls: { cmd: string; args: string[]; input?: string }[] = [];
  constructor(private readonly answers: Record<string, string>) {}
  async run(cmd: string, args: string[], opts: { input?: string } = {}): Promise<ExecResult> {
    this.calls.push({ cmd, args, input: opts.input });
    const key = `${cmd} ${args.join(' ')}`;
    if (key in this.answers) return { stdout: this.answers[key], stderr: '', code: 0 };
    if (args.includes('-batch') || args[0] === '-f') return { stdout: '', stderr: '', code: 0 };
    return { stdout: '', stderr: `no answer for ${key}`, code: 1 };
  }
}

const meta = '{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}';

describe('RouteClient', () => {
  const exec = new FakeExec({
    'ip -j -4 rule show': '[{"priority":0,"src":"all","table":"local"},{"priority":1000,"src":"all","fwmark":"0x100001","table":"1048577"},{"priority":1000,"src":"all","fwmark":"0x5","table":"5"},{"priority":1002,"src":"all","fwmark":"0x100000","fwmask":"0xffffffc0","action":"blackhole"},{"priority":1003,"src":"all","iif":"lo","goto":1005},{"priority":1004,"src":"all","dst":"198.51.100.0","dstlen":24,"action":"blackhole"},{"priority":1005,"src":"all","nop":null},{"priority":1007,"src":"all","dst":"203.0.113.0","dstlen":24,"action":"blackhole"},{"priority":32766,"src":"all","table":"main"}]',
    'ip -j -6 rule show': '[{"priority":1000,"src":"all","fwmark":"0x100001","table":"1048577"},{"priority":1001,"src":"fd00:afd:e::2","fwmark":"0x100000","fwmask":"0xffffffc0","table":"main"}]',
    'ip -j -4 route show table all': '[{"dst":"default","encap":"seg6","mode":"encap","segs":["fd00:afd:b1::2"],"dev":"e0","table":"1048577","scope":"link","flags":[]},{"dst":"default","gateway":"192.0.2.1","dev":"e0","flags":[]}]',
    'ip -j -6 route show table all': '[{"type":"throw","dst":"fd00:afd:b1::2","dev":"lo","table":"1048577","metric":1024,"flags":[],"pref":"medium"},{"dst":"default","encap":"seg6","mode":"encap","segs":["fd00:afd:b1::2"],"dev":"e0","table":"1048577","metric":1024,"flags":[],"pref":"medium"}]',
    'ip -j -d link show': '[{"ifindex":1,"ifname":"lo"},{"ifindex":7,"ifname":"aft3","linkinfo":{"info_kind":"ip6tnl","info_data":{"local":"fd00:1::2","remote":"fd00:b::3"}}},{"ifindex":8,"ifname":"aftx"}]',
    'ip -j sr tunsrc show': '[{"tunsrc":"fd00:afd:e::2"}]',
  });
  const client = new RouteClient(exec, { base: 0x100000, count: 100 }, 'aft');

  it('reads only rules, routes and devices in its own mark range and prefix', async () => {
    expect(await client.inventory()).toEqual({
      rules: [{ family: 4, mark: 0x100001, table: 1048577, priority: 1000 }, { family: 6, mark: 0x100001, table: 1048577, priority: 1000 }],
      routes: [
        { family: 4, table: 1048577, dst: 'default', type: undefined, dev: 'e0', encap: 'seg6', segs: ['fd00:afd:b1::2'] },
        { family: 6, table: 1048577, dst: 'fd00:afd:b1::2/128', type: 'throw', dev: 'lo', encap: undefined, segs: undefined },
        { family: 6, table: 1048577, dst: 'default', type: undefined, dev: 'e0', encap: 'seg6', segs: ['fd00:afd:b1::2'] },
      ],
      links: [{ name: 'aft3', kind: 'ip6tnl', local: 'fd00:1::2', remote: 'fd00:b::3' }],
      srTunsrc: 'fd00:afd:e::2',
      // Loop guards: the rules at priorities 1001-1005 only (not the host's blackhole at 1007), spelled as rendered.
      guards: {
        rules: [
          { family: 4, priority: 1002, spec: 'fwmark 0x100000/0xffffffc0 blackhole priority 1002' },
          { family: 4, priority: 1003, spec: 'iif lo goto 1005 priority 1003' },
          { family: 4, priority: 1004, spec: 'to 198.51.100.0/24 blackhole priority 1004' },
          { family: 4, priority: 1005, spec: 'nop priority 1005' },
          { family: 6, priority: 1001, spec: 'from fd00:afd:e::2 fwmark 0x100000/0xffffffc0 lookup main priority 1001' },
        ],
      },
    });
  });

  it('applies each stage with one ip -batch per family, in order, skipping empty stages', async () => {
    exec.calls = [];
    const change = { pre: ['sr tunsrc set fd00::1'], v4: ['route replace default dev aft0 table 1048576'], v6: [], v4Del: ['rule del fwmark 0x100005 table 1048581 priority 1000'], v6Del: [], post: ['link del aft5'] };
    await client.applyAdds(change);
    await client.applyRemovals(change);
    expect(exec.calls.map((c) => [c.args.join(' '), c.input])).toEqual([
      ['-batch -', 'sr tunsrc set fd00::1\n'],
      ['-4 -batch -', 'route replace default dev aft0 table 1048576\n'],
      ['-4 -batch -', 'rule del fwmark 0x100005 table 1048581 priority 1000\n'],
      ['-batch -', 'link del aft5\n'],
    ]);
  });
});

describe('NftClient', () => {
  it('builds the inventory of its own table from terse lists only (never lists counters or the ruleset)', async () => {
    const exec = new FakeExec({
      'nft -j -t list chains inet': `{"nftables": [${meta}, {"chain": {"family": "inet", "table": "anyfront", "name": "prerouting"}}, {"chain": {"family": "inet", "table": "other", "name": "x"}}, {"chain": {"family": "inet", "table": "anyfront", "name": "svc_abc"}}]}`,
      'nft -j -t list sets inet': `{"nftables": [${meta}, {"set": {"family": "inet", "table": "anyfront", "name": "live_abc"}}]}`,
      'nft -j -t list maps inet': `{"nftables": [${meta}, {"map": {"family": "inet", "table": "anyfront", "name": "flows4"}}, {"map": {"family": "inet", "table": "other", "name": "m"}}]}`,
    });
    const inv = await new NftClient(exec, 'anyfront').inventory();
    expect(inv).toEqual({ tableExists: true, chains: new Set(['prerouting', 'svc_abc']), sets: new Set(['live_abc', 'flows4']) });
    expect(exec.calls.every((c) => c.args.includes('-t'))).toBe(true);
  });

  it('applies a transaction through stdin and surfaces nft errors', async () => {
    const exec = new FakeExec({});
    const nft = new NftClient(exec, 'anyfront');
    await nft.apply('add table inet anyfront\n');
    expect(exec.calls[0]).toEqual({ cmd: 'nft', args: ['-f', '-'], input: 'add table inet anyfront\n' });
    exec.run = async () => ({ stdout: '', stderr: 'Error: Could not process rule: No such file or directory', code: 1 });
    await expect(nft.apply('delete map inet anyfront nope\n')).rejects.toThrow(/Could not process rule/);
  });

  it('reads named counters', async () => {
    const exec = new FakeExec({ 'nft -j list counters table inet anyfront': `{"nftables": [${meta}, {"counter": {"family": "inet", "name": "bk_100000", "table": "anyfront", "handle": 18, "packets": 3, "bytes": 180}}]}` });
    expect(await new NftClient(exec, 'anyfront').counters()).toEqual(new Map([['bk_100000', { packets: 3, bytes: 180 }]]));
  });
});
