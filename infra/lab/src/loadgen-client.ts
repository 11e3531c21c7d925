import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROCS_DIR, REGISTER } from './paths';
import { Client, clients } from './topology';
import type { FlowResult } from './procs/loadgen';

export type { FlowResult };
export type LoadJob =
  | { kind: 'whoami'; host: string; port?: number; localPorts?: number[]; count?: number; concurrency?: number }
  | { kind: 'download'; host: string; port?: number; bytes: number; rate?: number; count: number; localPorts?: number[]; timeoutMs?: number }
  | { kind: 'upload'; host: string; port?: number; bytes: number; timeoutMs?: number }
  | { kind: 'udp'; host: string; port?: number; count: number };

export function clientByName(name: string): Client {
  const c = clients.find((x) => x.name === name);
  if (!c) throw new Error(`no lab client named ${name}`);
  return c;
}

export interface RunningLoad {
  /** Resolves once every flow has its response headers (or has failed): the flows are established. */
  started: Promise<void>;
  /** One result per flow. */
  done: Promise<FlowResult[]>;
}

/** Starts the load generator inside a client namespace. */
export function startLoad(clientName: string, job: LoadJob): RunningLoad {
  const c = clientByName(clientName);
  const flows = job.kind === 'upload' ? 1 : job.kind === 'whoami' || job.kind === 'download' ? (job.localPorts?.length ?? job.count ?? 1) : job.count;
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((r) => { markStarted = r; });
  const done = new Promise<FlowResult[]>((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', c.ns, process.execPath, '-r', REGISTER, join(PROCS_DIR, 'loadgen.ts'), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let seen = 0;
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      seen = (err.match(/@started\n/g) ?? []).length;
      if (seen >= flows) markStarted();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      markStarted();
      if (code !== 0) { reject(new Error(`load generator in ${c.ns} exited ${code}: ${err.replace(/@started\n/g, '').trim()}`)); return; }
      try { resolve(JSON.parse(out) as FlowResult[]); } catch (e) { reject(new Error(`load generator output unreadable: ${(e as Error).message}: ${out.slice(0, 200)}`)); }
    });
  });
  return { started, done };
}

/** Runs the load generator inside a client namespace; resolves with one result per flow. */
export function runLoad(clientName: string, job: LoadJob): Promise<FlowResult[]> {
  return startLoad(clientName, job).done;
}

/** Counts flows per backend name. */
export function byBackend(results: FlowResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) if (r.ok && r.backend) out[r.backend] = (out[r.backend] ?? 0) + 1;
  return out;
}
