'use client';
import { ApiProblemError, createTenantClient, ok, type Problem, type Schemas, type TenantClient } from '@anyfront/api-client';
import { QueryCache, QueryClient, MutationCache } from '@tanstack/react-query';

export { ok, ApiProblemError };
export type { Problem, Schemas };

/**
 * The typed API client for the browser: same origin (this server proxies /v1 to the API), so the
 * session cookie travels by itself. Every call goes through TanStack Query (queries.ts).
 */
export const api: TenantClient = createTenantClient({ baseUrl: typeof window === 'undefined' ? 'http://localhost' : window.location.origin });

/** The session is gone (expired, logged out elsewhere): to the login page, and back here after. */
function onError(err: unknown): void {
  if (err instanceof ApiProblemError && err.status === 401 && typeof window !== 'undefined' && !window.location.pathname.startsWith('/login')) {
    const next = `${window.location.pathname}${window.location.search}`;
    window.location.assign(`/login?expired=1&next=${encodeURIComponent(next)}`);
  }
}

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: (count, err) => !(err instanceof ApiProblemError && err.status < 500) && count < 2,
        refetchOnWindowFocus: true,
      },
    },
  });
}

/** A fresh Idempotency-Key per user action: a retried click never creates two. */
export const idempotency = (): { header: { 'Idempotency-Key': string } } => ({ header: { 'Idempotency-Key': crypto.randomUUID() } });

/** The Problem of a failed call (the `{ error }` of the client, or an ApiProblemError). */
export function problemOf(err: unknown): Problem | undefined {
  if (err instanceof ApiProblemError) return err.problem;
  return undefined;
}
