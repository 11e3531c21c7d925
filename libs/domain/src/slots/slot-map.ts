import { formatAddress, fromBigInt, parseCidr, toBigInt } from '../address/ip';
import { slotIndexOf } from './slot-address';

export type SlotCellState = 'free' | 'assigned' | 'quarantined' | 'unusable';

export interface SlotCell<H> {
  /** Last octet: the cell's place in the 16×16 grid (row = offset >> 4, column = offset & 15). */
  offset: number;
  address: string;
  /** The pool's slot number, null for .0 and .255 (never handed out). */
  slotIndex: number | null;
  state: SlotCellState;
  taken: H | null;
}

export interface SlotGrid<H> {
  /** The /24 this grid draws. */
  prefix: string;
  cells: SlotCell<H>[];
}

/** Slot maps are drawn for IPv4 pools up to this many /24s (a /20); larger pools get the summary only. */
export const SLOT_MAP_MAX_GRIDS = 16;

/**
 * The slot map of an IPv4 pool: one 256-cell grid per /24, every cell's state from the taken slots
 * (`slotIndex` → what holds it); the rest are free, except .0 and .255, which no pool hands out.
 * Null for IPv6 pools and pools too large to draw.
 */
export function ipv4SlotGrids<H extends { state: 'assigned' | 'quarantined' }>(prefix: string, taken: ReadonlyMap<number, H>): SlotGrid<H>[] | null {
  const cidr = parseCidr(prefix);
  if (cidr.family !== 4) return null;
  const size = 1n << BigInt(32 - cidr.length);
  const base = toBigInt(cidr.network);
  const first24 = base - (base % 256n);
  const grids = Number((size + 255n) / 256n);
  if (grids > SLOT_MAP_MAX_GRIDS) return null;
  const out: SlotGrid<H>[] = [];
  for (let g = 0; g < grids; g++) {
    const start = first24 + BigInt(g) * 256n;
    const cells: SlotCell<H>[] = [];
    for (let offset = 0; offset < 256; offset++) {
      const value = start + BigInt(offset);
      const address = formatAddress(fromBigInt(value, 4));
      const inPool = value >= base && value < base + size;
      const index = inPool ? slotIndexOf(prefix, address) : null;
      const slotIndex = index === null ? null : Number(index);
      const hold = slotIndex === null ? undefined : taken.get(slotIndex);
      cells.push({ offset, address, slotIndex, state: slotIndex === null ? 'unusable' : hold ? hold.state : 'free', taken: hold ?? null });
    }
    out.push({ prefix: `${formatAddress(fromBigInt(start, 4))}/24`, cells });
  }
  return out;
}
