import { allocateMarks, buildPlan, emptyAllocation, wantedMarkKeys } from '@anyfront/dataplane';
import type { Executor } from '../io/exec';
import { BpfTool } from './bpftool';
import { XdpFastPath } from './fastpath';
import { vipKey } from './layout';
import { labService, labState } from './xdp-harness';

const noExec: Executor = { run: () => Promise.reject(new Error('no kernel in unit tests')) };
const opts = { table: 'anyfront', flowTimeoutSeconds: 300, flowTableSize: 65536, probePortBase: 10000 };

function fastPath() {
  return new XdpFastPath(new BpfTool(noExec, '/nonexistent'), { device: null, mode: 'xdp', object: 'x.o', config: { flowTimeoutSeconds: 300, handshakeTimeoutSeconds: 10, newFlowsPerCpuSecond: 0 } }, { info: () => undefined, warn: () => undefined });
}

describe('XdpFastPath.render (map writes per generation)', () => {
  const s1 = labState([labService('web')]);
  const s2 = labState([labService('web', { backends: [...labService('web').backends, { id: 'b3', address: 'fd00:b::3', weight: 1, enabled: true }] })], { generation: 2 });
  const marks = allocateMarks(emptyAllocation(0x100000, 100), [...wantedMarkKeys(s1), ...wantedMarkKeys(s2)]);
  const p1 = buildPlan(s1, marks, () => undefined, opts);
  const p2 = buildPlan(s2, marks, () => undefined, opts);
  const src = { ipv4: '192.0.2.11', ipv6: 'fd00:1::11' };

  it('writes config, backends, the whole table into one half and then the VIPs; an unchanged plan writes nothing', () => {
    const fp = fastPath();
    const r = fp.render(p1, src);
    const kinds = r.ops.map((o) => o.map);
    expect(kinds.filter((k) => k === 'af_maglev')).toHaveLength(251);
    // order: backends before the table, VIP entries (the flip) last
    expect(kinds.lastIndexOf('af_backends')).toBeLessThan(kinds.indexOf('af_maglev'));
    expect(kinds.indexOf('af_vips')).toBeGreaterThan(kinds.lastIndexOf('af_maglev'));
    r.commit();
    expect(fp.render(p1, src).ops).toEqual([]);
  });

  it('a changed table goes into the other half (only its differing buckets once both halves are known) and each VIP flips with one update', () => {
    const fp = fastPath();
    fp.render(p1, src).commit();
    const r2 = fp.render(p2, src);
    const halfOf = (k: Buffer) => k.readUInt32LE(0) & 1;
    const mg2 = r2.ops.filter((o) => o.map === 'af_maglev');
    expect(new Set(mg2.map((o) => halfOf(o.key)))).toEqual(new Set([1]));
    const vips = r2.ops.filter((o) => o.map === 'af_vips');
    expect(vips.map((o) => o.key.toString('hex')).sort()).toEqual([vipKey('198.51.100.10'), vipKey('fd00:a0::10')].map((k) => k.toString('hex')).sort());
    r2.commit();
    // Back to the first table: half 0 still holds it, so nothing but the flips is written.
    const r3 = fp.render(p1, src);
    expect(r3.ops.filter((o) => o.map === 'af_maglev')).toEqual([]);
    expect(r3.ops.filter((o) => o.map === 'af_vips')).toHaveLength(2);
    r3.commit();
    // And forward again: half 1 holds p2's table, no bucket differs.
    expect(fp.render(p2, src).ops.filter((o) => o.map === 'af_maglev')).toEqual([]);
  });

  it('removed services free their VIPs and clear their backend slots after the flips', () => {
    const fp = fastPath();
    fp.render(p1, src).commit();
    const empty = buildPlan(labState([]), marks, () => undefined, opts);
    const r = fp.render(empty, src);
    expect(r.ops.filter((o) => o.map === 'af_vips').every((o) => o.value === undefined)).toBe(true);
    const cleared = r.ops.filter((o) => o.map === 'af_backends');
    expect(cleared).toHaveLength(2);
    expect(cleared.every((o) => o.value!.equals(Buffer.alloc(24)))).toBe(true);
  });

  it('gives each anycast address a counter slot, zeroed before its VIP entry names it; a removed backend\'s counter is zeroed after its slot is cleared', () => {
    const fp = fastPath();
    const r = fp.render(p1, src);
    const statsOf = (o: { value?: Buffer }) => o.value!.readUInt32LE(68);
    const zeroed = r.ops.filter((o) => o.map === 'af_vip_stats');
    expect(zeroed.map((o) => o.key.readUInt32LE(0)).sort()).toEqual([0, 1]);
    expect(zeroed.every((o) => o.value!.equals(Buffer.alloc(16)))).toBe(true);
    const vips = r.ops.filter((o) => o.map === 'af_vips');
    expect(vips.map(statsOf).sort()).toEqual([0, 1]);
    expect(r.ops.findIndex((o) => o.map === 'af_vips')).toBeGreaterThan(r.ops.map((o) => o.map).lastIndexOf('af_vip_stats'));
    r.commit();
    // A new table (the flip rewrites the VIP entries) keeps each address on its slot, nothing zeroed.
    const r2 = fp.render(p2, src);
    expect(r2.ops.filter((o) => o.map === 'af_vip_stats')).toEqual([]);
    expect(r2.ops.filter((o) => o.map === 'af_vips').map(statsOf).sort()).toEqual([0, 1]);
    r2.commit();
    // p1 drops b3: its slot is cleared, then its counter zeroed.
    const r3 = fp.render(p1, src);
    const b3 = r3.ops.findIndex((o) => o.map === 'af_backends');
    const z = r3.ops.findIndex((o) => o.map === 'af_backend_stats');
    expect(b3).toBeGreaterThanOrEqual(0);
    expect(z).toBeGreaterThan(b3);
    expect(r3.ops[z].key.equals(r3.ops[b3].key)).toBe(true);
  });
});
