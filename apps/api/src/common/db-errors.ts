import { QueryFailedError } from 'typeorm';

export interface PgErrorInfo {
  code: string;
  constraint?: string;
  detail?: string;
}

/** The Postgres error code and constraint behind a failed query, or null for other errors. */
export function pgError(err: unknown): PgErrorInfo | null {
  if (!(err instanceof QueryFailedError)) return null;
  const d = (err as QueryFailedError & { driverError?: { code?: string; constraint?: string; detail?: string } }).driverError;
  return d?.code ? { code: d.code, constraint: d.constraint, detail: d.detail } : null;
}

export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
export const PG_EXCLUSION_VIOLATION = '23P01';
