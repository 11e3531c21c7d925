'use client';
import { ApiProblemError, type Problem } from '@anyfront/api-client';
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';

/** The session is gone (expired, logged out elsewhere): to the login page, and back here after. */
function toLoginOn401(err: unknown): void {
  if (err instanceof ApiProblemError && err.status === 401 && typeof window !== 'undefined' && !window.location.pathname.startsWith('/login')) {
    const next = `${window.location.pathname}${window.location.search}`;
    window.location.assign(`/login?expired=1&next=${encodeURIComponent(next)}`);
  }
}

/** The web apps' TanStack Query client: a 401 anywhere goes to the login page; 4xx are not retried. */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError: toLoginOn401 }),
    mutationCache: new MutationCache({ onError: toLoginOn401 }),
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

/** Only same-site paths after login (never an open redirect). */
export function safeNext(next: string | null, fallback: string): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : fallback;
}
