'use client';
import { createAdminClient, type AdminClient, type Schemas } from '@anyfront/api-client';

export { ok } from '@anyfront/api-client';
export type { Schemas };
export { idempotency, problemOf } from '@anyfront/ui';

/** The operator part of the typed client, same origin (this server proxies /v1 to the API). */
export const api: AdminClient = createAdminClient({ baseUrl: typeof window === 'undefined' ? 'http://localhost' : window.location.origin });
