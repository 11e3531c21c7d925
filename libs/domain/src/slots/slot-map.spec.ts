import { ipv4SlotGrids } from './slot-map';
import { slotAddress } from './slot-address';

describe('ipv4SlotGrids', () => {
  it('draws a /24 as 256 cells: .0/.255 unusable, taken slots by index, the rest free', () => {
    const taken = new Map([[0, { state: 'assigned' as const, who: 'a' }], [36, { state: 'quarantined' as const, who: 'b' }]]);
    const [grid, ...more] = ipv4SlotGrids('192.0.2.0/24', taken) ?? [];
    expect(more).toHaveLength(0);
    expect(grid?.prefix).toBe('192.0.2.0/24');
    expect(grid?.cells).toHaveLength(256);
    const cell = (o: number) => grid?.cells[o];
    expect(cell(0)).toMatchObject({ address: '192.0.2.0', state: 'unusable', slotIndex: null });
    expect(cell(255)).toMatchObject({ address: '192.0.2.255', state: 'unusable', slotIndex: null });
    expect(cell(1)).toMatchObject({ address: '192.0.2.1', state: 'assigned', slotIndex: 0, taken: { who: 'a' } });
    // slot 36 is .37: the cell's address and the slot numbering agree
    expect(slotAddress('192.0.2.0/24', 36)).toBe('192.0.2.37');
    expect(cell(37)).toMatchObject({ address: '192.0.2.37', state: 'quarantined', slotIndex: 36, taken: { who: 'b' } });
    expect(grid?.cells.filter((c) => c.state === 'free')).toHaveLength(252);
  });

  it('one grid per /24 of a larger pool, slot numbers running on', () => {
    const grids = ipv4SlotGrids('198.51.100.0/23', new Map([[254, { state: 'assigned' as const }]])) ?? [];
    expect(grids.map((g) => g.prefix)).toEqual(['198.51.100.0/23'.replace('/23', '/24'), '198.51.101.0/24']);
    expect(grids[1]?.cells[1]).toMatchObject({ address: '198.51.101.1', slotIndex: 254, state: 'assigned' });
  });

  it('a pool smaller than a /24 leaves the rest of its /24 unusable', () => {
    const [grid] = ipv4SlotGrids('203.0.113.64/26', new Map()) ?? [];
    expect(grid?.prefix).toBe('203.0.113.0/24');
    expect(grid?.cells[63]?.state).toBe('unusable');
    expect(grid?.cells[64]).toMatchObject({ state: 'free', slotIndex: 0 });
    expect(grid?.cells[128]?.state).toBe('unusable');
  });

  it('IPv6 pools and pools too large to draw have no grid', () => {
    expect(ipv4SlotGrids('2001:db8::/48', new Map())).toBeNull();
    expect(ipv4SlotGrids('10.0.0.0/16', new Map())).toBeNull();
  });
});
