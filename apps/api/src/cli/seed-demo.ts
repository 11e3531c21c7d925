// Demo seed for `npm start`: an operator, four PoPs, two IPv4 /24 pools from documentation
// ranges with different PoP sets, one IPv6 /48 pool, and a demo organization with an owner
// login and an API key. Idempotent. Prints the logins.
import { createDataSource } from '@anyfront/db';
import { DEMO, seedDemoData } from './demo-data';

async function main(): Promise<void> {
  const ds = createDataSource();
  await ds.initialize();
  try {
    await seedDemoData(ds);
  } finally {
    await ds.destroy();
  }
  console.log(
    [
      '[seed] demo data ready:',
      `  operator login:   ${DEMO.operator.email} / ${DEMO.operator.password}`,
      `  demo owner login: ${DEMO.owner.email} / ${DEMO.owner.password} (${DEMO.owner.organization})`,
      `  demo API key:     ${DEMO.apiKey}   (Authorization: Bearer <key>)`,
      `  pools:            ${DEMO.pools.map((p) => `${p.prefix} [${p.pops.join(',')}]`).join('  ')}`,
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(`[seed] failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
