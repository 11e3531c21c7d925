import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');
/** Everything the lab writes (configs, sockets, logs, pid file, lab.json) lives here; `down` removes it. */
export function labDir(): string {
  return process.env.ANYFRONT_LAB_DIR ?? join(REPO_ROOT, '.data', 'lab');
}
export const labJsonPath = (): string => join(labDir(), 'lab.json');
export const pidFilePath = (): string => join(labDir(), 'pids.json');
export const REGISTER = join(REPO_ROOT, 'scripts', 'register.js');
export const PROCS_DIR = join(__dirname, 'procs');
