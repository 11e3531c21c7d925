import { buildMinimalDisruptionTable, decodeMaglevTable, encodeMaglevTable, maglevTableSize, type PreviousMaglevTable } from '@anyfront/maglev';
import { canonicalJson, sha256Hex } from './canonical-json';

/**
 * Each service's Maglev table is compiled once by the control plane (GLB-style) and shipped to
 * every edge in the desired state, so edges agree by construction. The previous table is the input
 * of the next one (minimal-disruption fill: only buckets that must move change owner), so it is
 * stored with the service (`service_maglev_tables`).
 */
export interface MaglevTableBackend {
  id: string;
  weight: number;
  enabled: boolean;
}

/** A compiled table as stored and shipped: entries index `backendIds` (the service's backends sorted by id). */
export interface CompiledMaglevTable {
  /** Digest of the inputs (M and every backend's id and effective weight): equal key, same table. */
  inputKey: string;
  tableSize: number;
  backendIds: string[];
  /** encodeMaglevTable of the entries: exactly the desired state's `maglev_table`. */
  encoded: string;
}

/** Code-unit order, the order of the desired state's backend list. */
function sortedById<T extends { id: string }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * M of a service: sized by every listed backend (enabled or not), so disabling one does not resize
 * the table, and never below the service's high-water mark, so deleting one does not either.
 */
export function serviceMaglevTableSize(backendCount: number, floor: number | undefined): number {
  return Math.max(floor ?? 0, maglevTableSize(backendCount));
}

/** A disabled backend counts as weight 0 (it owns no bucket but keeps its index). */
export function maglevTableInputKey(m: number, backends: readonly MaglevTableBackend[]): string {
  return sha256Hex(canonicalJson({ m, backends: sortedById(backends).map((b) => [b.id, b.enabled ? b.weight : 0]) }));
}

/** The next table of a service from its previous one (null: none yet, plain Maglev). */
export function compileMaglevTable(previous: CompiledMaglevTable | null, m: number, backends: readonly MaglevTableBackend[]): CompiledMaglevTable {
  const sorted = sortedById(backends);
  let prev: PreviousMaglevTable | null = null;
  if (previous && previous.tableSize === m) {
    try {
      prev = { ids: previous.backendIds, table: decodeMaglevTable(previous.encoded, previous.tableSize, previous.backendIds.length) };
    } catch {
      // A stored table that no longer decodes is no history: start over with plain Maglev.
      prev = null;
    }
  }
  const table = buildMinimalDisruptionTable(prev, sorted.map((b) => ({ id: b.id, weight: b.enabled ? b.weight : 0 })), m);
  return {
    inputKey: maglevTableInputKey(m, sorted),
    tableSize: m,
    backendIds: sorted.map((b) => b.id),
    encoded: encodeMaglevTable(table, sorted.length),
  };
}
