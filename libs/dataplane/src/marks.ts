/**
 * Stable fwmark / route-table slots, one per (service, backend). The allocation is persisted by the
 * agent so a restart gives every backend the same mark again and existing flow-map entries (which
 * store the mark) stay valid. Slots of removed backends are reused only after the cursor has gone
 * round the whole range, so a stale flow entry rarely meets a new owner of its mark.
 */
export interface MarkAllocation {
  base: number;
  count: number;
  /** Next slot to try. */
  cursor: number;
  /** "serviceId/backendId" -> slot. */
  slots: Record<string, number>;
}

export function markKey(serviceId: string, backendId: string): string {
  return `${serviceId}/${backendId}`;
}

export function emptyAllocation(base: number, count: number): MarkAllocation {
  return { base, count, cursor: 0, slots: {} };
}

/** Keeps slots of keys still wanted, frees the others, gives new keys the next free slots. */
export function allocateMarks(prev: MarkAllocation, wanted: readonly string[]): MarkAllocation {
  const want = new Set(wanted);
  const slots: Record<string, number> = {};
  const used = new Set<number>();
  for (const [key, slot] of Object.entries(prev.slots)) {
    if (want.has(key) && slot < prev.count) {
      slots[key] = slot;
      used.add(slot);
    }
  }
  let cursor = prev.cursor % prev.count;
  for (const key of [...want].sort()) {
    if (key in slots) continue;
    if (used.size >= prev.count) throw new Error(`no free fwmark slot: ${prev.count} in use (raise mark_count)`);
    while (used.has(cursor)) cursor = (cursor + 1) % prev.count;
    slots[key] = cursor;
    used.add(cursor);
    cursor = (cursor + 1) % prev.count;
  }
  return { base: prev.base, count: prev.count, cursor, slots };
}

export function markOf(alloc: MarkAllocation, key: string): number {
  const slot = alloc.slots[key];
  if (slot === undefined) throw new Error(`no fwmark allocated for ${key}`);
  return alloc.base + slot;
}
