import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config';
import { configureApp } from './setup';

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule.register(), { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  const config = app.get(AppConfig);
  configureApp(app, config);
  await app.listen(config.apiPort);
  const url = `http://127.0.0.1:${config.apiPort}`;
  app.get(Logger).log(`API listening on ${url} (docs: ${url}/docs, OpenAPI: ${url}/v1/openapi.json)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
