// Worker entry point: a NestJS application context (no HTTP) running the BullMQ processors.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createDataSource, refuseDemoCredentials } from '@anyfront/db';
import { createLogger, NestPinoLogger } from '@anyfront/logging';
import { loadWorkerConfig } from './config';
import { workerModule } from './worker.module';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  // Before any processor starts: a production worker never runs from a demo-seeded database.
  if (config.nodeEnv === 'production') {
    const ds = await createDataSource(config.databaseUrl).initialize();
    try {
      await refuseDemoCredentials(ds, 'worker');
    } finally {
      await ds.destroy();
    }
  }
  const log = createLogger({ app: 'worker', level: config.logLevel ?? 'info' });
  const app = await NestFactory.createApplicationContext(workerModule(config), { logger: new NestPinoLogger(log) });
  app.enableShutdownHooks();
  log.info(
    `ready: pid ${process.pid}, queue prefix "${config.queuePrefix}", concurrency ${config.concurrency}, quarantine ${config.quarantineDays} days`,
  );
}

main().catch((err: unknown) => {
  console.error(`[worker] failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
