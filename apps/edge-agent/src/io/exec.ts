import { spawn } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs one external command. The only place the agent starts processes for nft, ip and birdc. */
export interface Executor {
  run(cmd: string, args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<ExecResult>;
}

export class CommandError extends Error {
  constructor(readonly cmd: string, readonly code: number, readonly stderr: string) {
    super(`${cmd} failed (exit ${code}): ${stderr.trim().split('\n').slice(0, 20).join('\n')}`);
  }
}

export class ProcessExecutor implements Executor {
  run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 120_000 });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() + (signal ? `killed by ${signal}` : ''), code: code ?? 1 }));
      child.stdin.on('error', () => undefined); // the command may exit before reading all input
      child.stdin.end(opts.input ?? '');
    });
  }
}

/** Runs and throws CommandError on a non-zero exit. */
export async function runChecked(exec: Executor, cmd: string, args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<string> {
  const r = await exec.run(cmd, args, opts);
  if (r.code !== 0) throw new CommandError(`${cmd} ${args.join(' ')}`, r.code, r.stderr || r.stdout);
  return r.stdout;
}
