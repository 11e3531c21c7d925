import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { STATIC_PROTOCOLS } from '@anyfront/dataplane';
import type { Executor } from './io/exec';
import type { Logger } from './reconciler';

/**
 * BIRD watchdog (issue 9 §6): BIRD's announcements live only as long as the agent does.
 *
 * The agent rewrites a heartbeat file every second from its event loop. A separate small process
 * (spawned by the agent next to the BIRD it spawns, or the anyfront-bird-watchdog systemd unit)
 * disables the pool statics — a BGP withdrawal, BFD and the sessions stay up — when the heartbeat
 * is older than the timeout (agent hung: SIGSTOP, a blocked event loop) or its process is gone
 * (kill -9 leaves a spawned BIRD running). It only ever withdraws; the agent re-announces when it
 * runs again and finds the marker file the watchdog leaves.
 */

export interface Heartbeat {
  mtimeMs: number;
  pid: number | null;
}

export interface LivenessInput {
  nowMs: number;
  /** When the watchdog started: a missing heartbeat is tolerated for one timeout after it. */
  startedMs: number;
  heartbeat: Heartbeat | null;
  timeoutMs: number;
  pidAlive: (pid: number) => boolean;
}

/** Pure: is the agent alive, and if not, why. */
export function agentLiveness(i: LivenessInput): { live: true } | { live: false; why: string } {
  if (!i.heartbeat) return i.nowMs - i.startedMs <= i.timeoutMs ? { live: true } : { live: false, why: 'no heartbeat file' };
  if (i.heartbeat.pid !== null && !i.pidAlive(i.heartbeat.pid)) return { live: false, why: `agent process ${i.heartbeat.pid} is gone` };
  const age = i.nowMs - i.heartbeat.mtimeMs;
  if (age > i.timeoutMs) return { live: false, why: `no heartbeat for ${(age / 1000).toFixed(1)} s` };
  return { live: true };
}

/** The marker the watchdog leaves after withdrawing: the agent re-announces when it sees it. */
export const withdrawnMarker = (heartbeatFile: string): string => `${heartbeatFile}.withdrawn`;

/** Agent side: rewrites the heartbeat (atomically: the watchdog never reads half a file). */
export async function writeHeartbeat(file: string, pid = process.pid): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify({ pid, at: new Date().toISOString() }));
  await rename(tmp, file);
}

/** Agent side: true (and the marker removed) when the watchdog withdrew since the last call. */
export async function takeWithdrawnMarker(file: string): Promise<boolean> {
  try {
    await unlink(withdrawnMarker(file));
    return true;
  } catch {
    return false;
  }
}

export function readHeartbeat(file: string): Heartbeat | null {
  try {
    const mtimeMs = statSync(file).mtimeMs;
    let pid: number | null = null;
    try {
      const p = (JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown }).pid;
      if (typeof p === 'number' && Number.isInteger(p) && p > 0) pid = p;
    } catch { /* being replaced: the mtime is enough */ }
    return { mtimeMs, pid };
  } catch {
    return null;
  }
}

/** A zombie (killed, not yet reaped) counts as gone. */
export function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch { return true; }
}

export interface WatchdogOptions {
  heartbeatFile: string;
  timeoutMs: number;
  birdc: string;
  controlSocket: string;
  /** Spawned next to a BIRD the agent spawned: exit when that BIRD is gone (nothing left to guard). */
  birdPid?: number;
  /**
   * The agent that spawned it: when the heartbeat names another process, a new agent (with its own
   * BIRD and watchdog) took over, and this one exits instead of acting on the new BIRD's socket.
   */
  agentPid?: number;
  pollMs?: number;
}

/**
 * The watchdog loop. While the agent is not live it disables the statics on every poll (a BIRD
 * restarted meanwhile would load a config that announces); when a disable actually turned a
 * protocol off it writes the marker.
 */
export class BirdWatchdog {
  private timer: NodeJS.Timeout | null = null;
  private withdrawn = false;
  private readonly startedMs = Date.now();

  constructor(private readonly exec: Executor, private readonly opts: WatchdogOptions, private readonly log: Logger, private readonly onExit: () => void = () => undefined) {}

  start(): void {
    const poll = this.opts.pollMs ?? Math.min(500, Math.max(50, this.opts.timeoutMs / 5));
    const loop = async () => {
      await this.tick().catch((e) => this.log.error({ err: (e as Error).message }, 'watchdog tick failed'));
      if (this.superseded || (this.opts.birdPid !== undefined && !pidAlive(this.opts.birdPid))) {
        if (!this.superseded) this.log.info({ bird_pid: this.opts.birdPid }, 'BIRD is gone: watchdog exits');
        this.stop();
        this.onExit();
        return;
      }
      if (this.timer) this.timer = setTimeout(() => void loop(), poll);
    };
    this.timer = setTimeout(() => void loop(), poll);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** True once a new agent took over (see agentPid): the loop exits. */
  superseded = false;

  async tick(nowMs = Date.now()): Promise<void> {
    const heartbeat = readHeartbeat(this.opts.heartbeatFile);
    if (this.opts.agentPid !== undefined && heartbeat && heartbeat.pid !== null && heartbeat.pid !== this.opts.agentPid) {
      this.log.info({ agent_pid: this.opts.agentPid, heartbeat_pid: heartbeat.pid }, 'another agent took over: watchdog exits');
      this.superseded = true;
      return;
    }
    const v = agentLiveness({ nowMs, startedMs: this.startedMs, heartbeat, timeoutMs: this.opts.timeoutMs, pidAlive });
    if (v.live) {
      this.withdrawn = false;
      return;
    }
    let turnedOff = false;
    let failed = false;
    for (const name of Object.values(STATIC_PROTOCOLS)) {
      const r = await this.exec.run(this.opts.birdc, ['-s', this.opts.controlSocket, 'disable', name], { timeoutMs: 5000 });
      if (r.code === 0 && /: disabled/.test(r.stdout)) turnedOff = true;
      else if (r.code !== 0 || !/disabled/.test(r.stdout)) {
        failed = true;
        this.log.error({ protocol: name, out: (r.stdout + r.stderr).trim().slice(0, 300) }, 'watchdog could not disable a static');
      }
    }
    if (turnedOff) writeFileSync(withdrawnMarker(this.opts.heartbeatFile), new Date().toISOString());
    if (failed) return; // tried again at the next poll
    if (!this.withdrawn || turnedOff) this.log.warn({ why: v.why }, 'agent not live: watchdog withdrew the pools');
    this.withdrawn = true;
  }
}
