import { applyDecorators, Type as ClassType } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { PageRequest, PageRows } from '@anyfront/db';
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

/** The repository's page request for `?limit=&cursor=` (400 for a cursor this API did not issue). */
export function pageRequest(page: PageQueryDto): PageRequest {
  const pos = page.cursor ? decodeCursor(page.cursor) : null;
  return { limit: page.limit ?? DEFAULT_PAGE_LIMIT, after: pos ? { createdAt: pos.t, id: pos.i } : null };
}

/** A repository's page as the API answers it, with the cursor of its last row. */
export function toPage<T extends { id: string; createdAt: Date }, R>(page: PageRows<T>, map: (row: T) => R): Page<R> {
  const last = page.rows[page.rows.length - 1];
  return { data: page.rows.map(map), next_cursor: page.more && last ? encodeCursor({ t: last.createdAt.toISOString(), i: last.id }) : null };
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
