import { ChildProcess, spawn } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Families, STATIC_PROTOCOLS } from '@anyfront/dataplane';
import { Executor, runChecked, CommandError } from './exec';

export interface BirdPaths {
  configPath: string;
  controlSocket: string;
  pidFile?: string;
  binary: string;
  birdc: string;
}

/** BIRD I/O: check + write the config, `birdc configure`, enable/disable the pool statics, spawn/stop BIRD. */
export class BirdClient {
  private child: ChildProcess | null = null;

  constructor(private readonly exec: Executor, private readonly paths: BirdPaths) {}

  /** Parses the config with `bird -p` before it replaces the live file, so a bad render never reaches BIRD. */
  async writeConfig(text: string): Promise<void> {
    await mkdir(dirname(this.paths.configPath), { recursive: true });
    const tmp = `${this.paths.configPath}.tmp`;
    await writeFile(tmp, text);
    await runChecked(this.exec, this.paths.binary, ['-p', '-c', tmp]);
    await rename(tmp, this.paths.configPath);
  }

  async configure(): Promise<void> {
    const out = await this.birdc(['configure']);
    if (!/Reconfigur|Reconfiguration|nothing to do/i.test(out)) throw new CommandError('birdc configure', 0, out);
  }

  /** Enables (announces) or disables (withdraws) each family's pool static. */
  async setAnnounce(on: Families): Promise<void> {
    for (const fam of [4, 6] as const) {
      const name = STATIC_PROTOCOLS[fam];
      const out = await this.birdc([on[fam] ? 'enable' : 'disable', name]);
      if (!/enabled|disabled/.test(out)) throw new CommandError(`birdc ${on[fam] ? 'enable' : 'disable'} ${name}`, 0, out);
    }
  }

  /** Starts `bird -f` as a child (foreground, so it dies with us if we are killed hard) and waits for its socket. */
  async spawn(): Promise<void> {
    const args = ['-f', '-c', this.paths.configPath, '-s', this.paths.controlSocket];
    if (this.paths.pidFile) args.push('-P', this.paths.pidFile);
    this.child = spawn(this.paths.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`bird exited at start: ${stderr.trim()}`);
      const r = await this.exec.run(this.paths.birdc, ['-s', this.paths.controlSocket, 'show', 'status']).catch(() => null);
      if (r && r.code === 0 && /BIRD/.test(r.stdout)) return;
      if (Date.now() > deadline) throw new Error(`bird did not open ${this.paths.controlSocket}: ${stderr.trim()}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  get spawned(): ChildProcess | null {
    return this.child;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { c.kill('SIGKILL'); }, 3000);
      c.once('exit', () => { clearTimeout(t); resolve(); });
      c.kill('SIGTERM');
    });
  }

  /** BGP sessions in state Established (`birdc show protocols`): the canary verdict's "BGP still up". */
  async establishedBgpSessions(): Promise<number> {
    const out = await this.birdc(['show', 'protocols']);
    return out.split('\n').filter((l) => /\sBGP\s/.test(l) && /\bEstablished\b/.test(l)).length;
  }

  private birdc(args: string[]): Promise<string> {
    return runChecked(this.exec, this.paths.birdc, ['-s', this.paths.controlSocket, ...args], { timeoutMs: 10_000 });
  }
}
