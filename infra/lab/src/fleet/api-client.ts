/**
 * The lab's clients of the API: the generated, typed @anyfront/api-client with the lab's request
 * timeout. Operators use a session (login); tenants an owner API key.
 */
import {
  createAdminClient,
  createTenantClient,
  listAll,
  login,
  ok,
  signup,
  type AdminClient,
  type TenantClient,
} from '@anyfront/api-client';

export { listAll, ok, type AdminClient, type TenantClient };

/** No lab call should take this long; a hung API fails the step instead of the whole suite's timeout. */
export const LAB_API_TIMEOUT_MS = 30_000;

/** An operator session: logs in and returns the operator part of the client. */
export async function operatorClient(apiUrl: string, email: string, password: string): Promise<AdminClient> {
  const { cookie } = await login({ baseUrl: apiUrl, timeoutMs: LAB_API_TIMEOUT_MS }, { email, password });
  return createAdminClient({ baseUrl: apiUrl, cookie, timeoutMs: LAB_API_TIMEOUT_MS });
}

/** A tenant client for an API key. */
export function tenantClient(apiUrl: string, apiKey: string): TenantClient {
  return createTenantClient({ baseUrl: apiUrl, bearer: apiKey, timeoutMs: LAB_API_TIMEOUT_MS });
}

/** Signs up a new organization and returns its owner API key and a tenant client using it. */
export async function signupTenant(apiUrl: string, tag = 'lab'): Promise<{ api: TenantClient; apiKey: string; organizationId: string; email: string; password: string }> {
  const email = `${tag}-${Math.random().toString(36).slice(2, 10)}@example.com`;
  const password = `${tag}-password-123`;
  const { cookie, me } = await signup({ baseUrl: apiUrl, timeoutMs: LAB_API_TIMEOUT_MS }, { email, password, organization_name: `Lab ${email}` });
  const session = createTenantClient({ baseUrl: apiUrl, cookie, timeoutMs: LAB_API_TIMEOUT_MS });
  const key = await ok(session.POST('/v1/api-keys', { body: { name: tag, role: 'owner' } }));
  if (!key.secret || !me.organization) throw new Error('signup answered without an organization or API key secret');
  return { api: tenantClient(apiUrl, key.secret), apiKey: key.secret, organizationId: me.organization.id, email, password };
}
