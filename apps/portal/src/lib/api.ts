'use client';
import { ApiProblemError, createTenantClient, ok, type Problem, type Schemas, type TenantClient } from '@anyfront/api-client';

export { ok, ApiProblemError };
export type { Problem, Schemas };
export { idempotency, problemOf } from '@anyfront/ui';

/**
 * The typed API client for the browser: same origin (this server proxies /v1 to the API), so the
 * session cookie travels by itself. Every call goes through TanStack Query (queries.ts).
 */
export const api: TenantClient = createTenantClient({ baseUrl: typeof window === 'undefined' ? 'http://localhost' : window.location.origin });
