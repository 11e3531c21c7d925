// Demo seed for `npm start`: an operator, four PoPs, two IPv4 /24 pools from documentation
// ranges with different PoP sets, one IPv6 /48 pool, a demo organization with an owner login,
// an API key and a service with two backends (slot assignment enqueued for the worker).
// Idempotent. Prints the logins.
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { LOCAL_MODE } from '@anyfront/domain';
import { loadConfig } from '../config';
import { DEMO, seedDemoData } from './demo-data';
import { DEMO_SERVICE, seedDemoService } from './demo-service';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

async function main(): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  // Fixed, published logins: only in the explicit demo mode that npm start sets.
  if (config.mode !== LOCAL_MODE) throw new Error('the demo seed runs only in the local demo mode (ANYFRONT_MODE=local, set by npm start)');
  const app = await NestFactory.createApplicationContext(AppModule.register(config), { logger: ['error', 'warn'] });
  let service: { serviceId: string; created: boolean };
  try {
    const seed = await seedDemoData(app.get<DataSource>(getDataSourceToken()));
    service = await seedDemoService(app, seed);
  } finally {
    await app.close();
  }
  console.log(
    [
      '[seed] demo data ready:',
      `  operator login:   ${DEMO.operator.email} / ${DEMO.operator.password}`,
      `  demo owner login: ${DEMO.owner.email} / ${DEMO.owner.password} (${DEMO.owner.organization})`,
      `  demo API key:     ${DEMO.apiKey}   (Authorization: Bearer <key>)`,
      `  pools:            ${DEMO.pools.map((p) => `${p.prefix} [${p.pops.join(',')}]`).join('  ')}`,
      `  demo service:     ${DEMO_SERVICE.name} (${service.serviceId})${service.created ? ', slot assignment enqueued' : ''}`,
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(`[seed] failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
