import { applyDecorators, Type as ClassType } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { problems } from './problem';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;

/** `?limit=&cursor=` for every list endpoint. Extend it for extra filters. */
export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT, description: 'Items per page.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page\'s `next_cursor`.' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  next_cursor: string | null;
}

interface CursorPosition {
  t: string; // created_at, millisecond precision, ISO
  i: string; // id
}

export function encodeCursor(pos: CursorPosition): string {
  return Buffer.from(JSON.stringify(pos)).toString('base64url');
}

/**
 * Exactly what encodeCursor writes (Date#toISOString of a row's created_at): Date.parse alone
 * accepts "0", "March 7" or "+275760-09-13T00:00:00.000Z", which Postgres then refuses.
 */
function isCursorTime(t: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(t)) return false;
  const d = new Date(t);
  return !Number.isNaN(d.getTime()) && d.toISOString() === t && d.getUTCFullYear() >= 1970;
}

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const pos = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorPosition;
    if (typeof pos?.t === 'string' && typeof pos?.i === 'string' && isCursorTime(pos.t) && /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(pos.i)) return pos;
  } catch {
    // fall through
  }
  throw problems.validation([{ field: 'cursor', message: 'is not a cursor this API issued; use next_cursor from the previous page or omit it' }]);
}

/**
 * Keyset pagination in creation order over any query whose root entity has `id` and `createdAt`.
 * The cursor names the last row; its exact created_at (microseconds, which a JS Date cannot
 * hold) is read back from the table, falling back to the millisecond copy in the cursor if
 * that row has been deleted meanwhile.
 */
export async function paginate<T extends ObjectLiteral & { id: string; createdAt: Date }, R>(
  qb: SelectQueryBuilder<T>,
  page: PageQueryDto,
  map: (row: T) => R,
): Promise<Page<R>> {
  const a = qb.alias;
  const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
  if (page.cursor) {
    const pos = decodeCursor(page.cursor);
    const table = qb.expressionMap.mainAlias!.metadata.tablePath;
    qb.andWhere(
      `(${a}.created_at, ${a}.id) > (COALESCE((SELECT c.created_at FROM ${table} c WHERE c.id = :__cursorI::uuid), :__cursorT::timestamptz), :__cursorI::uuid)`,
      { __cursorT: pos.t, __cursorI: pos.i },
    );
  }
  const rows = await qb.orderBy(`${a}.createdAt`, 'ASC').addOrderBy(`${a}.id`, 'ASC').take(limit + 1).getMany();
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return {
    data: items.map(map),
    next_cursor: more && last ? encodeCursor({ t: last.createdAt.toISOString(), i: last.id }) : null,
  };
}

/** OpenAPI: documents a `{ data: Item[], next_cursor }` response. */
export const ApiPageResponse = <T extends ClassType<unknown>>(item: T, description = 'One page of results.') =>
  applyDecorators(
    ApiExtraModels(item),
    ApiOkResponse({
      description,
      schema: {
        type: 'object',
        required: ['data', 'next_cursor'],
        properties: {
          data: { type: 'array', items: { $ref: getSchemaPath(item) } },
          next_cursor: { type: 'string', nullable: true, description: 'Cursor for the next page; null on the last page.' },
        },
      },
    }),
  );
