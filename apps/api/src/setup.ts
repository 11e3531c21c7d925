import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import express, { NextFunction, Request, Response } from 'express';
import { toProblem } from './common/error-mapping';
import { PROBLEM_CONTENT_TYPE, sendProblem } from './common/problem';
import { ProblemFilter } from './common/problem.filter';
import { ApiValidationPipe } from './common/validation';
import { AppConfig } from './config';

/**
 * Everything main.ts and the test harness apply to the Nest app, so tests run the same HTTP
 * stack as production. The app must be created with `{ bodyParser: false }`.
 */
export function configureApp(app: INestApplication, config: AppConfig): OpenAPIObject {
  const http = app.getHttpAdapter().getInstance() as express.Express;
  http.disable('x-powered-by');
  http.set('trust proxy', 'loopback');

  const json = express.json({ limit: config.bodyLimit, type: ['application/json', 'application/*+json'] });
  // Body parser errors (too large, malformed JSON) happen before Nest's filters see the
  // request, so they are turned into problems here.
  app.use((req: Request, res: Response, next: NextFunction) =>
    json(req, res, (err?: unknown) => {
      if (!err) return next();
      const { problem, headers } = toProblem(err, config.bodyLimit);
      sendProblem(res, problem, headers);
    }),
  );
  app.use(cookieParser());
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

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Anyfront API')
      .setDescription(
        'Anycast addresses for your services. Authenticate with the session cookie from /v1/auth/login or with ' +
          '`Authorization: Bearer <api key>`. Errors are application/problem+json. Lists use `?limit=&cursor=`. ' +
          'Every POST honours `Idempotency-Key`.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key from POST /v1/api-keys' })
      .addCookieAuth('anyfront_session')
      .build(),
  );
  doc.components ??= {};
  doc.components.schemas ??= {};
  doc.components.schemas.Problem = {
    type: 'object',
    required: ['type', 'title', 'status', 'detail', 'errors'],
    properties: {
      type: { type: 'string', example: 'urn:anyfront:problem:validation' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string', description: 'What went wrong and what to do about it' },
      errors: {
        type: 'array',
        items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
      },
    },
  };
  for (const item of Object.values(doc.paths)) {
    for (const [method, op] of Object.entries(item) as Array<[string, { parameters?: unknown[]; responses?: Record<string, unknown> }]>) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      if (method === 'post') {
        op.parameters = [
          ...(op.parameters ?? []),
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: 'Retrying with the same key and body returns the first result instead of acting twice.',
            schema: { type: 'string', maxLength: 255 },
          },
        ];
      }
      op.responses ??= {};
      op.responses.default ??= { description: 'Error', content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } } };
    }
  }
  return doc;
}
