import { NestFactory } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { refuseDemoCredentials } from '@anyfront/db';
import { LOCAL_MODE } from '@anyfront/domain';
import { Logger } from 'nestjs-pino';
import { quietNestStartup } from '@anyfront/logging';
import { AppModule } from './app.module';
import { loadConfig } from './config';
import { configureApp } from './setup';

async function main(): Promise<void> {
  // Validate the configuration before Nest starts, so a bad setting is one clear message.
  const config = loadConfig();
  const app = await NestFactory.create(AppModule.register(config), { bodyParser: false, bufferLogs: true });
  app.useLogger(quietNestStartup(app.get(Logger)));
  if (config.nodeEnv === 'production') await refuseDemoCredentials(app.get<DataSource>(getDataSourceToken()), 'API');
  if (config.mode === LOCAL_MODE) app.get(Logger).warn('local demo mode (ANYFRONT_MODE=local): demo logins, documentation addresses; never expose this instance');
  configureApp(app, config);
  await app.listen(config.apiPort);
  const url = `http://127.0.0.1:${config.apiPort}`;
  app.get(Logger).log(`API listening on ${url} (docs: ${url}/docs, OpenAPI: ${url}/v1/openapi.json)`);
}

main().catch((err: unknown) => {
  console.error(`[api] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
