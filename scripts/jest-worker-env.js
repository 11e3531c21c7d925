// Integration tests run in several Jest workers (scripts/test.mjs); each worker gets its own
// database (`<db>_w<n>`, created fresh by test.mjs) and its own Redis database number, so one
// suite's in-process worker never takes another suite's jobs and no test sees another's rows.
const worker = Number(process.env.JEST_WORKER_ID ?? '1');
if (process.env.ANYFRONT_DB_PER_WORKER === '1') {
  const db = new URL(process.env.DATABASE_URL);
  db.pathname = `${db.pathname}_w${worker}`;
  process.env.DATABASE_URL = db.toString();
  const redis = new URL(process.env.REDIS_URL);
  const base = Number(redis.pathname.slice(1) || '0');
  // Workers 8 databases apart: checkouts testing side by side on one Redis (REDIS_URL …/1, …/2, …)
  // then never share a database between their first and second workers.
  redis.pathname = `/${(base + 8 * (worker - 1)) % 16}`;
  process.env.REDIS_URL = redis.toString();
}
