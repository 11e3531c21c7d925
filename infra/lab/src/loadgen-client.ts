import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROCS_DIR, REGISTER } from './paths';
import { Client, clients } from './topology';
import type { FlowResult } from './procs/loadgen';

export type { FlowResult };
export type LoadJob =
  | { kind: 'whoami'; host: string; port?: number; localPorts?: number[]; count?: number; concurrency?: number }
  | { kind: 'download'; host: string; port?: number; bytes: number; rate?: number; count: number; timeoutMs?: number }
  | { kind: 'upload'; host: string; port?: number; bytes: number; timeoutMs?: number }
  | { kind: 'udp'; host: string; port?: number; count: number };

export function clientByName(name: string): Client {
  const c = clients.find((x) => x.name === name);
  if (!c) throw new Error(`no lab client named ${name}`);
  return c;
}

/** Runs the load generator inside a client namespace; resolves with one result per flow. */
export function runLoad(clientName: string, job: LoadJob): Promise<FlowResult[]> {
  const c = clientByName(clientName);
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', c.ns, process.execPath, '-r', REGISTER, join(PROCS_DIR, 'loadgen.ts'), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) { reject(new Error(`load generator in ${c.ns} exited ${code}: ${err.trim()}`)); return; }
      try { resolve(JSON.parse(out) as FlowResult[]); } catch (e) { reject(new Error(`load generator output unreadable: ${(e as Error).message}: ${out.slice(0, 200)}`)); }
    });
  });
}

/** Counts flows per backend name. */
export function byBackend(results: FlowResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) if (r.ok && r.backend) out[r.backend] = (out[r.backend] ?? 0) + 1;
  return out;
}
