// Worker entry point: a NestJS application context (no HTTP) running the BullMQ processors.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadWorkerConfig } from './config';
import { workerModule } from './worker.module';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const app = await NestFactory.createApplicationContext(workerModule(config), { bufferLogs: false });
  app.enableShutdownHooks();
  new Logger('worker').log(
    `ready: pid ${process.pid}, queue prefix "${config.queuePrefix}", concurrency ${config.concurrency}, quarantine ${config.quarantineDays} days`,
  );
}

main().catch((err: unknown) => {
  console.error(`[worker] failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
