import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/** One page in creation order: at most `limit` rows after the row `after` names (null: from the start). */
export interface PageRequest {
  limit: number;
  /** The last row of the previous page: its id and its created_at at millisecond precision (ISO). */
  after: { createdAt: string; id: string } | null;
}

export interface PageRows<T> {
  rows: T[];
  /** Another page follows. */
  more: boolean;
}

/**
 * Keyset pagination in creation order over any query whose root entity has `id` and `createdAt`.
 * The previous page's last row is read back by id for its exact created_at (microseconds, which a
 * JS Date cannot hold), falling back to the millisecond copy if that row was deleted meanwhile.
 */
export async function keysetPage<T extends ObjectLiteral & { id: string; createdAt: Date }>(qb: SelectQueryBuilder<T>, req: PageRequest): Promise<PageRows<T>> {
  const a = qb.alias;
  if (req.after) {
    const table = qb.expressionMap.mainAlias!.metadata.tablePath;
    qb.andWhere(
      `(${a}.created_at, ${a}.id) > (COALESCE((SELECT c.created_at FROM ${table} c WHERE c.id = :__cursorI::uuid), :__cursorT::timestamptz), :__cursorI::uuid)`,
      { __cursorT: req.after.createdAt, __cursorI: req.after.id },
    );
  }
  const rows = await qb.orderBy(`${a}.createdAt`, 'ASC').addOrderBy(`${a}.id`, 'ASC').take(req.limit + 1).getMany();
  const more = rows.length > req.limit;
  return { rows: more ? rows.slice(0, req.limit) : rows, more };
}
