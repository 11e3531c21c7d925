import { existsSync, openSync, readFileSync, writeFileSync, closeSync } from 'node:fs';
import { isAlive, nsSpawnDetached } from './exec';
import { pidFilePath } from './paths';

export interface TrackedProcess { name: string; pid: number; ns?: string; log?: string }

export function readTracked(): TrackedProcess[] {
  if (!existsSync(pidFilePath())) return [];
  try { return JSON.parse(readFileSync(pidFilePath(), 'utf8')) as TrackedProcess[]; } catch { return []; }
}

function writeTracked(list: TrackedProcess[]): void {
  writeFileSync(pidFilePath(), JSON.stringify(list, null, 2));
}

export function track(p: TrackedProcess): void {
  writeTracked([...readTracked().filter((t) => t.name !== p.name), p]);
}

/** Starts a detached process in a namespace, logs to a file, and records its pid so `down` can stop it. */
export function spawnTracked(name: string, ns: string, cmd: string, args: string[], log: string, env?: NodeJS.ProcessEnv): TrackedProcess {
  const fd = openSync(log, 'a');
  const child = nsSpawnDetached(ns, cmd, args, fd, env);
  closeSync(fd);
  if (!child.pid) throw new Error(`could not start ${name}`);
  const p = { name, pid: child.pid, ns, log };
  track(p);
  return p;
}

/** SIGTERM, then SIGKILL after graceMs; returns once the process is gone. */
export async function stopPid(pid: number, graceMs = 3000): Promise<void> {
  if (!isAlive(pid)) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
}

export function readPidFile(path: string): number | undefined {
  try { const n = Number(readFileSync(path, 'utf8').trim()); return n > 0 ? n : undefined; } catch { return undefined; }
}
