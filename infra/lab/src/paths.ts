import { join, resolve } from 'node:path';
import { NS_PREFIX } from './topology';

export const REPO_ROOT = resolve(__dirname, '../../..');
/**
 * Everything the lab writes (configs, sockets, logs, pid file, lab.json) lives here; `down` removes it.
 * A lab with another namespace prefix (ANYFRONT_LAB_NS_PREFIX) gets its own directory, so its
 * `down` never stops the processes of the default lab.
 */
export function labDir(): string {
  if (process.env.ANYFRONT_LAB_DIR) return process.env.ANYFRONT_LAB_DIR;
  return join(REPO_ROOT, '.data', NS_PREFIX === 'af-' ? 'lab' : `lab-${NS_PREFIX.replace(/[^A-Za-z0-9]/g, '')}`);
}
export const labJsonPath = (): string => join(labDir(), 'lab.json');
export const pidFilePath = (): string => join(labDir(), 'pids.json');
export const REGISTER = join(REPO_ROOT, 'scripts', 'register.js');
export const PROCS_DIR = join(__dirname, 'procs');
