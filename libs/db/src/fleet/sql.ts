/**
 * Minimal query interface of the repositories written in SQL (a TypeORM DataSource or EntityManager
 * fits), so a caller can pass its transaction's manager.
 */
export interface SqlRunner {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(sql: string, params?: unknown[]): Promise<any>;
}

export interface SqlDatabase extends SqlRunner {
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

/** Rows of a query result: TypeORM answers UPDATE/DELETE with `[rows, rowCount]`, other commands with the rows. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
