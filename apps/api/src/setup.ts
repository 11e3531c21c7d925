import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import express, { NextFunction, Request, Response } from 'express';
import { toProblem } from './common/error-mapping';
import { ProblemDto, PUBLIC_EXTENSION, registeredZodSchemas, SECURITY_SCHEMES } from './common/openapi';
import { csrfOriginCheck } from './common/csrf';
import { findHostileInput } from './common/input-guard';
import { PROBLEM_CONTENT_TYPE, problems, sendProblem } from './common/problem';
import { ProblemFilter } from './common/problem.filter';
import { ApiValidationPipe } from './common/validation';
import { AppConfig } from './config';

/** Routes whose handlers read `req.rawBody` (Stripe webhooks). */
const RAW_BODY_PREFIX = '/v1/billing/webhooks/';

/**
 * Everything main.ts and the test harness apply to the Nest app, so tests run the same HTTP
 * stack as production. The app must be created with `{ bodyParser: false }`.
 */
export function configureApp(app: INestApplication, config: AppConfig): OpenAPIObject {
  const http = app.getHttpAdapter().getInstance() as express.Express;
  http.disable('x-powered-by');
  // Only configured proxies may set the client address (X-Forwarded-For); by default none.
  http.set('trust proxy', config.trustProxy);

  const json = express.json({
    limit: config.bodyLimit,
    type: ['application/json', 'application/*+json'],
    // Webhook signatures are over the exact bytes received: keep them for those routes only.
    verify: (req, _res, buf) => {
      if ((req as Request).originalUrl?.startsWith(RAW_BODY_PREFIX)) (req as Request & { rawBody?: Buffer }).rawBody = Buffer.from(buf);
    },
  });
  // Body parser errors (too large, malformed JSON) happen before Nest's filters see the
  // request, so they are turned into problems here.
  app.use((req: Request, res: Response, next: NextFunction) =>
    json(req, res, (err?: unknown) => {
      if (err) {
        const { problem, headers } = toProblem(err, config.bodyLimit);
        return sendProblem(res, problem, headers);
      }
      // Before any handler, validator or database sees it: no absurd nesting, NUL or lone surrogates.
      const hostile = findHostileInput(req.body, '') ?? findHostileInput(req.query, 'query');
      if (hostile) return sendProblem(res, problems.validation([hostile]).problem, {});
      next();
    }),
  );
  app.use(cookieParser());
  // Before any handler: a browser-sendable state change must come from an allowed origin.
  app.use(csrfOriginCheck(config.allowedOrigins));
  app.useGlobalPipes(new ApiValidationPipe());
  app.useGlobalFilters(new ProblemFilter(config.bodyLimit));
  app.enableShutdownHooks();

  const document = buildOpenApi(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'v1/openapi.json',
    raw: ['json'],
    customSiteTitle: 'Anyfront API',
  });
  return document;
}

/** Operation tags, in the order the docs show them. */
const TAGS: Array<[name: string, description: string]> = [
  ['auth', 'Sign up, log in (session cookie), who am I'],
  ['api-keys', "The organization's API keys (Authorization: Bearer <key>)"],
  ['members', "The organization's people and their roles"],
  ['services', 'Anycast services: listeners, hashing, encapsulation, health checks; their addresses, deploy status and backend health'],
  ['backends', "A service's unicast backends"],
  ['traffic', 'Traffic per service and hourly usage per organization'],
  ['quotas', "The organization's quotas (services, IPv4 addresses, backends, API keys) and their use"],
  ['admin', 'Operators: PoPs, pools, edge nodes, the fleet, the audit log'],
  ['agent', 'Edge agents: registration, desired state, status and traffic reports (node credential)'],
  ['health', 'Liveness of the API and its dependencies'],
];

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Operation {
  parameters?: Array<{ name: string; in: string } & Record<string, unknown>>;
  responses?: Record<string, unknown>;
  security?: Array<Record<string, string[]>>;
  [PUBLIC_EXTENSION]?: boolean;
}

/**
 * The OpenAPI document of the app's routes (what /v1/openapi.json serves and `npm run openapi`
 * commits as apps/api/openapi.json). Routes declare their own parts (common/openapi.ts); this adds
 * what cross-cutting machinery does to every route of a kind.
 */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Anyfront API')
    .setDescription(
      'Anycast addresses for your services. Authenticate with the session cookie from /v1/auth/login or with ' +
        '`Authorization: Bearer <api key>`. Errors are application/problem+json. Lists use `?limit=&cursor=`. ' +
        'Every credentialed POST honours `Idempotency-Key`.',
    )
    .setVersion('1')
    .addServer('/', 'This API (the origin serving this document)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key from POST /v1/api-keys' }, SECURITY_SCHEMES.bearer)
    .addCookieAuth('anyfront_session', { type: 'apiKey', in: 'cookie', description: 'The session cookie from POST /v1/auth/login' }, SECURITY_SCHEMES.cookie)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An edge node credential (afn_...) from POST /v1/agent/register' }, SECURITY_SCHEMES.node);
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const doc = SwaggerModule.createDocument(app, builder.build(), {
    // "Services_create"; a route's second path ("nodes/{nodeId}/...") gets "_1".
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method.replace(/\[0\]$/, '').replace(/\[(\d+)\]$/, '_$1')}`,
  });
  doc.components ??= {};
  doc.components.schemas ??= {};
  for (const [name, schema] of registeredZodSchemas()) doc.components.schemas[name] = schema;

  const problem = (description: string) => ({ description, content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } } });
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      // Routes served under two paths (/v1/agent/x and /v1/agent/nodes/{nodeId}/x) share their
      // decorators: keep a path parameter only where the path has it.
      op.parameters = op.parameters?.filter((p) => p.in !== 'path' || path.includes(`{${p.name}}`));
      if (op[PUBLIC_EXTENSION]) {
        op.security = [];
        delete op[PUBLIC_EXTENSION];
      }
      op.responses ??= {};
      // The idempotency interceptor acts on every POST made with a session or an API key.
      const credentialed = op.security?.some((s) => SECURITY_SCHEMES.bearer in s || SECURITY_SCHEMES.cookie in s) ?? false;
      if (method === 'post' && credentialed) {
        op.parameters = [
          ...(op.parameters ?? []),
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: 'Retrying with the same key and body returns the first result instead of acting twice (remembered 24 hours).',
            schema: { type: 'string', maxLength: 255 },
          },
        ];
        op.responses['400'] ??= problem('The request (or its Idempotency-Key header) is invalid.');
        op.responses['422'] ??= problem('The Idempotency-Key was used with a different request.');
      }
      op.responses.default ??= problem('Unexpected error (5xx), also application/problem+json.');
    }
  }
  return doc;
}
