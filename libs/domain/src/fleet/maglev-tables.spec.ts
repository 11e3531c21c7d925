import { buildMaglevTable, decodeMaglevTable } from '@anyfront/maglev';
import { compileMaglevTable, maglevTableInputKey } from './maglev-tables';

const three = [
  { id: 'c', weight: 100, enabled: true },
  { id: 'a', weight: 100, enabled: true },
  { id: 'b', weight: 100, enabled: true },
];

describe('compileMaglevTable', () => {
  it('keys the inputs by M and each backend\'s effective weight, whatever the order', () => {
    expect(maglevTableInputKey(509, three)).toBe(maglevTableInputKey(509, [...three].reverse()));
    expect(maglevTableInputKey(509, three)).not.toBe(maglevTableInputKey(1021, three));
    // Disabled counts as weight 0: the same table as weight 0, another one than enabled.
    const disabled = three.map((b) => (b.id === 'b' ? { ...b, enabled: false } : b));
    const zero = three.map((b) => (b.id === 'b' ? { ...b, weight: 0 } : b));
    expect(maglevTableInputKey(509, disabled)).toBe(maglevTableInputKey(509, zero));
    expect(maglevTableInputKey(509, disabled)).not.toBe(maglevTableInputKey(509, three));
  });

  it('starts with plain Maglev, then moves only what must move; entries index the backends sorted by id', () => {
    const first = compileMaglevTable(null, 509, three);
    expect(first.backendIds).toEqual(['a', 'b', 'c']);
    expect(Array.from(decodeMaglevTable(first.encoded, 509, 3))).toEqual(Array.from(buildMaglevTable(three, 509)));
    const next = compileMaglevTable(first, 509, three.map((b) => (b.id === 'b' ? { ...b, enabled: false } : b)));
    const before = decodeMaglevTable(first.encoded, 509, 3);
    const after = decodeMaglevTable(next.encoded, 509, 3);
    before.forEach((owner, i) => {
      if (owner !== 1) expect(after[i]).toBe(owner); // b is index 1: only its buckets move
      else expect(after[i]).not.toBe(1);
    });
  });

  it('a stored table that no longer decodes counts as no history (plain Maglev), never an error', () => {
    const broken = { ...compileMaglevTable(null, 509, three), encoded: 'AAAA' };
    expect(compileMaglevTable(broken, 509, three).encoded).toBe(compileMaglevTable(null, 509, three).encoded);
  });
});
