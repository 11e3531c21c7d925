import { applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCookieAuth,
  ApiExtension,
  ApiExtraModels,
  ApiOperation,
  ApiParam,
  ApiProperty,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from 'zod';
import { defaultTitle, PROBLEM_CONTENT_TYPE } from './problem';

/**
 * OpenAPI for every route, declared next to the route: its summary, its 2xx body, the problems it
 * can answer, and who may call it. `buildOpenApi` (setup.ts) adds what cross-cutting machinery
 * does to every route of a kind (Idempotency-Key on credentialed POSTs) and the zod-defined
 * schemas registered here. `openapi-contract.int-spec.ts` fails on any route missing a part.
 */

export const SECURITY_SCHEMES = {
  /** An API key from POST /v1/api-keys (or, for operators, a session works too). */
  bearer: 'bearer',
  /** The session cookie set by POST /v1/auth/login. */
  cookie: 'session',
  /** An edge node credential (afn_...) from POST /v1/agent/register. */
  node: 'node',
} as const;

/** Marks an operation that needs no credential; buildOpenApi turns it into `security: []`. */
export const PUBLIC_EXTENSION = 'x-anyfront-public';

export class FieldErrorDto {
  @ApiProperty({ example: 'listeners[0].ports', description: 'Path of the offending field in the request, e.g. "name", "listeners[0].ports" or "query.limit"' })
  field!: string;
  @ApiProperty({ example: '"0" is not a port or port range; use "443" or "8000-8100" (ports 1-65535)' })
  message!: string;
}

/** RFC 9457 problem details: the only error shape the API returns (content type application/problem+json). */
export class ProblemDto {
  @ApiProperty({ example: 'urn:anyfront:problem:validation', description: 'Stable identifier of the kind of problem (urn:anyfront:problem:<slug>)' })
  type!: string;
  @ApiProperty({ example: 'Invalid request' }) title!: string;
  @ApiProperty({ type: 'integer', example: 400, description: 'The HTTP status' }) status!: number;
  @ApiProperty({ description: 'What went wrong and what to do about it' }) detail!: string;
  @ApiProperty({ type: [FieldErrorDto], description: 'The fields at fault (empty when the problem is not about one field)' })
  errors!: FieldErrorDto[];
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid; `errors` names each field at fault.',
  401: 'No credential, or an unknown, expired or revoked one.',
  403: 'The credential may not do this (role, or no organization).',
  404: 'No such resource (also for resources of another organization).',
  402: 'The organization is suspended for an unpaid invoice or by an operator: nothing new can be added until it is restored (see GET /v1/billing).',
  409: 'Conflicts with the current state (e.g. a name or address already taken).',
  422: 'Well-formed but refused by a rule (e.g. an address family the encapsulation cannot reach, an Idempotency-Key reused with another request).',
  429: 'Too many requests for this credential or client address; retry after `Retry-After` seconds.',
  503: 'A dependency (Postgres or Redis) is not reachable.',
};

/** The problem+json responses a route (or every route of a controller) can answer. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_DESCRIPTIONS[status] ?? defaultTitle(status)[1],
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}

/**
 * Summary (one line, imperative) and optional longer description of an operation.
 * Every route has one; it is what the docs and the generated client show.
 */
export const ApiSummary = (summary: string, description?: string) => ApiOperation({ summary, ...(description ? { description } : {}) });

/** Any credential (a session or an API key): 401 without one, 429 over the rate limit. */
export const ApiCredential = () => applyDecorators(ApiCookieAuth(SECURITY_SCHEMES.cookie), ApiBearerAuth(SECURITY_SCHEMES.bearer), ApiProblems(401, 429));

/** Tenant routes: a session or an API key of an organization; 403 when it acts for no organization or lacks the role. */
export const ApiTenantAuth = () => applyDecorators(ApiCredential(), ApiProblems(403));

/** Operator routes (/v1/admin): an operator's session (or key); 403 for everyone else. */
export const ApiOperatorAuth = () => applyDecorators(ApiCredential(), ApiProblems(403));

/** Edge agent routes: the node credential. Not rate limited (many agents may share one address). */
export const ApiNodeAuth = () => applyDecorators(ApiBearerAuth(SECURITY_SCHEMES.node), ApiProblems(401));

/** No credential needed (a credential sent is still read); rate limited per client address. */
export const ApiPublic = () => applyDecorators(ApiExtension(PUBLIC_EXTENSION, true), ApiProblems(429));

/**
 * The agent routes served both as /v1/agent/<x> (the caller's node) and /v1/agent/nodes/{nodeId}/<x>.
 * buildOpenApi keeps the parameter only on the paths that have it.
 */
export const ApiNodeIdParam = () =>
  ApiParam({ name: 'nodeId', required: true, type: String, format: 'uuid', description: "The calling agent's edge node id; another node's id answers 404" });

// ---- zod-defined wire contracts (the agent API) as named component schemas

const zodSchemas = new Map<string, SchemaObject>();

function registerZod(name: string, schema: z.ZodType, io: 'input' | 'output'): { $ref: string } {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any', io }) as SchemaObject & { $schema?: string };
  delete json.$schema;
  const existing = zodSchemas.get(name);
  if (existing && JSON.stringify(existing) !== JSON.stringify(json)) throw new Error(`two different zod schemas are registered as "${name}"`);
  zodSchemas.set(name, json);
  return { $ref: `#/components/schemas/${name}` };
}

/** Schemas registered by ZodApiBody / ZodApiResponse, for buildOpenApi to add to components. */
export function registeredZodSchemas(): ReadonlyMap<string, SchemaObject> {
  return zodSchemas;
}

/** OpenAPI request body generated from the same zod schema the handler parses with, as a named schema. */
export function ZodApiBody(name: string, schema: z.ZodType, description?: string) {
  return ApiBody({ description, required: true, schema: registerZod(name, schema, 'input') });
}

/** OpenAPI 2xx response from a zod schema of the contracts lib, as a named schema. */
export function ZodApiResponse(status: number, name: string, schema: z.ZodType, description: string) {
  return ApiResponse({ status, description, schema: registerZod(name, schema, 'output') });
}
