import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
}

/** Starts real worker processes (apps/worker/src/main.ts) and resolves once each has logged "ready". */
export async function startWorkerProcesses(count: number, env: Record<string, string>, timeoutMs = 60_000): Promise<WorkerProcess[]> {
  const workers = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ['-r', './scripts/register.js', 'apps/worker/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    return { child, output: () => out };
  });
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`worker ${w.child.pid} not ready:\n${w.output()}`)), timeoutMs);
          const onExit = (code: number | null) => {
            clearTimeout(timer);
            reject(new Error(`worker exited with ${code}:\n${w.output()}`));
          };
          const check = () => {
            if (!/\bready: pid/.test(w.output())) return;
            clearTimeout(timer);
            w.child.stdout!.off('data', check);
            w.child.off('exit', onExit);
            resolve();
          };
          w.child.stdout!.on('data', check);
          w.child.on('exit', onExit);
          check();
        }),
    ),
  );
  return workers;
}

/** Stops the given processes by PID: SIGTERM, then SIGKILL after a grace period. */
export async function stopWorkerProcesses(workers: WorkerProcess[], graceMs = 5000): Promise<void> {
  await Promise.all(
    workers.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
