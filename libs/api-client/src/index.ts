import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './generated/openapi';

/**
 * Typed client of the Anyfront API, generated from the committed OpenAPI document
 * (apps/api/openapi.json; `npm run openapi` regenerates both). Paths, parameters, bodies, answers
 * and problem errors are typed; it is openapi-fetch underneath. See README.md.
 */

export type { components, paths } from './generated/openapi';
export * from './generated/openapi';

type AnyPath = keyof paths;
/** Operator routes (/v1/admin/...). */
export type AdminPath = Extract<AnyPath, `/v1/admin/${string}`>;
/** Edge agent routes (/v1/agent/...), called with a node credential. */
export type AgentPath = Extract<AnyPath, `/v1/agent/${string}`>;
/** Routes every user needs whatever their role: sign up, log in and out, who am I, health. */
export type AccountPath = Extract<AnyPath, `/v1/auth/${string}` | '/v1/me' | '/v1/health'>;
/** What a tenant (the portal, an API key) calls: everything but the operator and agent routes. */
export type TenantPath = Exclude<AnyPath, AdminPath | AgentPath>;

export type TenantPaths = Pick<paths, TenantPath>;
export type AdminPaths = Pick<paths, AdminPath | AccountPath>;
export type AgentPaths = Pick<paths, AgentPath>;

/** Every named schema of the document, e.g. `Schemas['ServiceDto']`. */
export type Schemas = components['schemas'];
/** The body of every error answer (application/problem+json, RFC 9457). */
export type Problem = Schemas['ProblemDto'];

export type AnyfrontClient = Client<paths>;
export type TenantClient = Client<TenantPaths>;
export type AdminClient = Client<AdminPaths>;
export type AgentClient = Client<AgentPaths>;

export interface AnyfrontClientOptions {
  /** Where the API runs, e.g. `http://localhost:4000` (paths carry `/v1`). */
  baseUrl: string;
  /**
   * Sent as `Authorization: Bearer <token>`: an API key (tenant or operator), or a node credential
   * (agent). A function is called for every request (e.g. to read a token that can change).
   */
  bearer?: string | (() => string | undefined | Promise<string | undefined>);
  /** Server side (Node, server components): the session cookie header, e.g. `login(...).cookie`. */
  cookie?: string;
  /** Browsers send the session cookie themselves; use 'include' when the API is on another origin. */
  credentials?: RequestInit['credentials'];
  /** Abort each request after this many milliseconds (default: no limit). */
  timeoutMs?: number;
  /** Headers for every request. */
  headers?: Record<string, string>;
  /** fetch to use (default: the global one). */
  fetch?: (input: Request) => Promise<Response>;
}

/** The method of each response's request, for error messages (Response does not keep it). */
const requestMethods = new WeakMap<Response, string>();

function authMiddleware(o: AnyfrontClientOptions): Middleware {
  return {
    async onRequest({ request }) {
      const token = typeof o.bearer === 'function' ? await o.bearer() : o.bearer;
      if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
      if (o.cookie && !request.headers.has('cookie')) request.headers.set('cookie', o.cookie);
      return request;
    },
    onResponse({ request, response }) {
      requestMethods.set(response, request.method);
      return undefined;
    },
  };
}

function create<P extends object>(o: AnyfrontClientOptions): Client<P> {
  const base = o.fetch ?? ((req: Request) => globalThis.fetch(req));
  const client = createClient<P>({
    baseUrl: o.baseUrl.replace(/\/+$/, ''),
    credentials: o.credentials,
    headers: { accept: 'application/json, application/problem+json', ...o.headers },
    fetch: o.timeoutMs ? (req) => base(new Request(req, { signal: AbortSignal.timeout(o.timeoutMs!) })) : base,
  });
  client.use(authMiddleware(o));
  return client;
}

/** The whole API (tenant, operator and agent routes). */
export const createAnyfrontClient = (o: AnyfrontClientOptions): AnyfrontClient => create<paths>(o);
/** Tenant routes only: the customer portal, scripts with an API key. */
export const createTenantClient = (o: AnyfrontClientOptions): TenantClient => create<TenantPaths>(o);
/** Operator routes (/v1/admin) and the account routes: the operator console. */
export const createAdminClient = (o: AnyfrontClientOptions): AdminClient => create<AdminPaths>(o);
/** Edge agent routes, with `bearer` set to the node credential. */
export const createAgentClient = (o: AnyfrontClientOptions): AgentClient => create<AgentPaths>(o);

/** A non-2xx answer, thrown by `ok()`: the status and, when the API sent one, its problem. */
export class ApiProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
    readonly request: { method: string; url: string },
  ) {
    super(`${request.method} ${request.url}: HTTP ${status}${problem ? ` ${problem.title}: ${problem.detail}` : ''}`);
    this.name = 'ApiProblemError';
  }

  /** The message for one field, e.g. `err.fieldError('listeners[0].ports')`. */
  fieldError(field: string): string | undefined {
    return this.problem?.errors.find((e) => e.field === field)?.message;
  }
}

function isProblem(x: unknown): x is Problem {
  return typeof x === 'object' && x !== null && typeof (x as Problem).status === 'number' && typeof (x as Problem).detail === 'string';
}

/**
 * The answer's data, or throws ApiProblemError for an error answer:
 * `const service = await ok(api.POST('/v1/services', { body }))`. For UI forms that show field
 * errors, use the client's `{ data, error }` result directly instead: `error` is the Problem.
 */
export async function ok<D, E>(call: Promise<{ data?: D; error?: E; response: Response }>): Promise<D> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ApiProblemError(response.status, isProblem(error) ? error : undefined, { method: requestMethods.get(response) ?? 'HTTP', url: response.url });
  return data as D;
}

/** One page of a list route. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * Every item of a paginated list: `await listAll((cursor) => ok(api.GET('/v1/services', { params: { query: { limit: 200, cursor } } })))`.
 */
export async function listAll<T>(page: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await page(cursor);
    out.push(...p.data);
    cursor = p.next_cursor ?? undefined;
  } while (cursor);
  return out;
}

/** The `name=value` pairs of Set-Cookie headers, as a Cookie header. */
function cookieHeader(response: Response): string {
  return response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

/**
 * Logs in (POST /v1/auth/login) and returns the session cookie for `cookie` (server side; a browser
 * keeps the cookie itself) and who is logged in. Throws ApiProblemError (401) on a wrong password.
 */
export async function login(
  o: Omit<AnyfrontClientOptions, 'bearer' | 'cookie'>,
  credentials: { email: string; password: string },
): Promise<{ cookie: string; me: Schemas['MeDto'] }> {
  const client = createAnyfrontClient(o);
  const r = await client.POST('/v1/auth/login', { body: { email: credentials.email, password: credentials.password } });
  const me = await ok(Promise.resolve(r));
  return { cookie: cookieHeader(r.response), me };
}

/** Signs up (POST /v1/auth/signup): a new account and organization, logged in. */
export async function signup(
  o: Omit<AnyfrontClientOptions, 'bearer' | 'cookie'>,
  body: Schemas['SignupDto'],
): Promise<{ cookie: string; me: Schemas['MeDto'] }> {
  const client = createAnyfrontClient(o);
  const r = await client.POST('/v1/auth/signup', { body });
  const me = await ok(Promise.resolve(r));
  return { cookie: cookieHeader(r.response), me };
}
