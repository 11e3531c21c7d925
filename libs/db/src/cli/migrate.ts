// Runs pending migrations against DATABASE_URL. Used by `npm start`, `npm run migrate` and tests.
import { migrate } from '../data-source';

migrate()
  .then((ran) => {
    console.log(ran.length ? `[migrate] applied: ${ran.join(', ')}` : '[migrate] schema is up to date');
  })
  .catch((err: unknown) => {
    console.error(`[migrate] failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
