import { cpSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LabDescription, LabOptions, startLab, stopLab } from '../lab';
import { labDir, REPO_ROOT } from '../paths';
import { agentMetrics } from '../agent';
import { edges } from '../topology';

/**
 * One lab per test file: built in beforeAll, removed in afterAll (also when a test failed).
 * ANYFRONT_LAB_KEEP=1 leaves it running for a look by hand (`npm run lab -- status`).
 */
export function useLab(options: LabOptions = {}): () => LabDescription {
  let lab: LabDescription | undefined;
  beforeAll(async () => {
    lab = await startLab({ ...options, log: (m) => { if (process.env.ANYFRONT_LAB_VERBOSE) console.log(`[lab] ${m}`); } });
  }, 240_000);
  afterAll(async () => {
    saveLogs();
    if (!process.env.ANYFRONT_LAB_KEEP) await stopLab();
  }, 60_000);
  return () => {
    if (!lab) throw new Error('lab did not start');
    return lab;
  };
}

/** Keeps the lab's logs (agents, BIRD, HTTP servers) under .data/lab-logs/<spec>/ for a look after a failure. */
function saveLogs(): void {
  const spec = basename(expect.getState().testPath ?? 'lab', '.lab-spec.ts');
  const target = join(REPO_ROOT, '.data', 'lab-logs', spec);
  try {
    rmSync(target, { recursive: true, force: true });
    cpSync(labDir(), target, { recursive: true, filter: (src) => statSync(src).isDirectory() || src.endsWith('.log') });
  } catch { /* nothing to keep */ }
}

/** Sum of a metric over every series whose labels include all of `labels`. */
export function metricSum(metrics: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [key, value] of metrics) {
    const brace = key.indexOf('{');
    const metric = brace < 0 ? key : key.slice(0, brace);
    if (metric !== name) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

/** A metric summed over every edge of the lab. */
export async function fleetMetric(name: string, labels: Record<string, string> = {}): Promise<number> {
  let sum = 0;
  for (const e of edges) sum += metricSum(await agentMetrics(e), name, labels);
  return sum;
}

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
