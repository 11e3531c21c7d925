import { consoleConfig } from './server/config';

/** Runs once when the server starts: a bad configuration stops it here, not at the first request. */
export function register(): void {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  try {
    consoleConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
