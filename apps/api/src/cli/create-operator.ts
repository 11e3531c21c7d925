// Creates a platform operator (or promotes an existing user and resets the password). Idempotent.
//   node -r ./scripts/register.js apps/api/src/cli/create-operator.ts --email ops@example.com [--password ...]
// Without --password (or OPERATOR_PASSWORD) a random password is generated and printed.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createDataSource, databaseUrlFrom } from '@anyfront/db';
import { upsertOperator } from '../auth/accounts';
import { PASSWORD_MIN_LENGTH } from '../auth/passwords';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, password: { type: 'string' } } });
  const email = values.email?.trim().toLowerCase();
  if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error('usage: create-operator --email <address> [--password <at least 10 characters>]');
  const password = values.password ?? process.env.OPERATOR_PASSWORD ?? randomBytes(12).toString('base64url');
  if (password.length < PASSWORD_MIN_LENGTH) throw new Error(`the password must be at least ${PASSWORD_MIN_LENGTH} characters`);
  const ds = createDataSource(databaseUrlFrom(process.env));
  await ds.initialize();
  try {
    const user = await upsertOperator(ds.manager, email, password);
    console.log(`operator ${user.email} (id ${user.id}) ready`);
    if (!values.password && !process.env.OPERATOR_PASSWORD) console.log(`password: ${password}`);
  } finally {
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(`[create-operator] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
