import { execFile, execFileSync, spawn, SpawnOptions, ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface RunResult { stdout: string; stderr: string; code: number }

/** Runs a command without a shell; rejects with stderr in the message unless allowFail. */
export function run(cmd: string, args: string[], opts: { allowFail?: boolean; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      if (err && !opts.allowFail) {
        reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${String(stderr || err.message).trim()}`));
        return;
      }
      resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a command inside a network namespace. */
export function nsRun(ns: string, cmd: string, args: string[], opts: { allowFail?: boolean; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/** Runs a command inside a network namespace and returns its stdout; throws on failure (for synchronous test helpers). */
export function nsRunSync(ns: string, cmd: string, args: string[], input?: string): string {
  return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** Starts a long-running process inside a namespace, detached so it survives its parent (the lab CLI exits after `up`). */
export function nsSpawnDetached(ns: string, cmd: string, args: string[], logFile: number, env?: NodeJS.ProcessEnv): ChildProcess {
  const opts: SpawnOptions = { detached: true, stdio: ['ignore', logFile, logFile], env: env ?? process.env };
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], opts);
  child.unref();
  return child;
}

/** True while the process runs; a zombie (exited, not yet reaped by its parent) counts as gone. */
export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try { process.kill(pid, 0); } catch { return false; }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch { return false; }
}

// One polling helper for every test, bench and harness.
export { WaitAborted, waitFor } from '@anyfront/testing';
