import { compileMaglevTable, type CompiledMaglevTable, type MaglevTableBackend, maglevTableInputKey, serviceMaglevTableSize } from '@anyfront/domain';
import { PLATFORM_OWNED_BACKEND } from './backend-conflicts.repository';
import type { SqlRunner } from './sql';

/** Each service's compiled Maglev table (service_maglev_tables); the compilation itself is pure (@anyfront/domain). */

/** Advisory lock class of table compilation (second key: hashtext(service id)). */
const MAGLEV_LOCK_CLASS = 0x6d676c76;

function rowToTable(r: Record<string, unknown> | undefined): CompiledMaglevTable | null {
  if (!r || r.input_key == null) return null;
  return { inputKey: r.input_key as string, tableSize: Number(r.table_size), backendIds: r.backend_ids as string[], encoded: r.encoded as string };
}

export interface ServiceTableInput {
  id: string;
  backends: (MaglevTableBackend & { address: string })[];
  maglevTableSizeFloor?: number;
  /** The stored table as loaded with the service (null: none yet). */
  storedMaglevTable?: CompiledMaglevTable | null;
}

/** The services whose stored table does not match their current backends (a compilation is due). */
export function staleMaglevTables<S extends ServiceTableInput>(services: S[]): S[] {
  return services.filter((s) => {
    const stored = s.storedMaglevTable ?? null;
    return !stored || stored.inputKey !== maglevTableInputKey(serviceMaglevTableSize(s.backends.length, s.maglevTableSizeFloor), s.backends);
  });
}

/**
 * Makes sure every service's stored table matches its current backends, compiling the next table
 * from the stored one where it does not, and returns the table to ship per service id. Must run in
 * the caller's transaction. A service whose inputs changed is locked (advisory, in id order, so
 * concurrent node syncs never deadlock) and its backends are read again under the lock, so the
 * stored table only ever moves forward to the latest committed backends, never back to a stale read;
 * those fresh backends replace the service's list (the shipped entries index them).
 */
export async function ensureMaglevTables<S extends ServiceTableInput>(tx: SqlRunner, services: S[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const stale = new Set(staleMaglevTables(services));
  for (const s of [...services].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (!stale.has(s)) {
      out.set(s.id, (s.storedMaglevTable as CompiledMaglevTable).encoded);
      continue;
    }
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MAGLEV_LOCK_CLASS, s.id]);
    const [fresh] = await tx.query(
      `SELECT s.maglev_table_size,
              (SELECT coalesce(json_agg(json_build_object('id', b.id, 'address', host(b.address), 'weight', b.weight, 'enabled', b.enabled, 'verifyToken', b.verify_token)), '[]')
                 FROM backends b WHERE b.service_id = s.id AND NOT ${PLATFORM_OWNED_BACKEND}) AS backends,
              t.input_key, t.table_size, t.backend_ids::text[] AS backend_ids, t.encoded
         FROM services s LEFT JOIN service_maglev_tables t ON t.service_id = s.id
        WHERE s.id = $1`,
      [s.id],
    );
    if (!fresh) continue;
    const backends = fresh.backends as ServiceTableInput['backends'];
    const freshM = serviceMaglevTableSize(backends.length, Number(fresh.maglev_table_size ?? 0));
    const current = rowToTable(fresh);
    let table = current;
    if (!current || current.inputKey !== maglevTableInputKey(freshM, backends)) {
      table = compileMaglevTable(current, freshM, backends);
      await tx.query(
        `INSERT INTO service_maglev_tables (service_id, input_key, table_size, backend_ids, encoded, compiled_at)
         VALUES ($1, $2, $3, $4::uuid[], $5, now())
         ON CONFLICT (service_id) DO UPDATE SET input_key = EXCLUDED.input_key, table_size = EXCLUDED.table_size,
           backend_ids = EXCLUDED.backend_ids, encoded = EXCLUDED.encoded, compiled_at = now()`,
        [s.id, table.inputKey, table.tableSize, table.backendIds, table.encoded],
      );
    }
    // Ship the entries with the backend list they index (the shared table's, whatever this node read before).
    s.backends = backends;
    s.maglevTableSizeFloor = Number(fresh.maglev_table_size ?? 0);
    out.set(s.id, (table as CompiledMaglevTable).encoded);
  }
  return out;
}
