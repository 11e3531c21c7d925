// Runs pending migrations against DATABASE_URL. Used by `npm start`, `npm run migrate` and tests.
import { databaseUrlFrom, migrate } from '../data-source';

Promise.resolve()
  .then(() => migrate(databaseUrlFrom(process.env)))
  .then((ran) => {
    console.log(ran.length ? `[migrate] applied: ${ran.join(', ')}` : '[migrate] schema is up to date');
  })
  .catch((err: unknown) => {
    console.error(`[migrate] failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
