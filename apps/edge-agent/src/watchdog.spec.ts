import { existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentLiveness, BirdWatchdog, takeWithdrawnMarker, withdrawnMarker, writeHeartbeat } from './watchdog';
import type { Executor } from './io/exec';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('BIRD watchdog (issue 9 §6)', () => {
  const base = { nowMs: 100_000, startedMs: 0, timeoutMs: 5000, pidAlive: () => true };
  it('agent live: fresh heartbeat of a running process; not live: stale, process gone, or no heartbeat after the grace', () => {
    expect(agentLiveness({ ...base, heartbeat: { mtimeMs: 99_000, pid: 7 } })).toEqual({ live: true });
    expect(agentLiveness({ ...base, heartbeat: { mtimeMs: 94_000, pid: 7 } })).toMatchObject({ live: false, why: 'no heartbeat for 6.0 s' });
    // kill -9: no need to wait for the timeout
    expect(agentLiveness({ ...base, heartbeat: { mtimeMs: 99_900, pid: 7 }, pidAlive: () => false })).toMatchObject({ live: false, why: 'agent process 7 is gone' });
    expect(agentLiveness({ ...base, heartbeat: null })).toMatchObject({ live: false });
    expect(agentLiveness({ ...base, startedMs: 97_000, heartbeat: null })).toEqual({ live: true });
  });

  describe('tick against a fake birdc', () => {
    let dir: string;
    let calls: string[];
    let already: boolean;
    const exec: Executor = {
      run: (_cmd, args) => {
        calls.push(args.slice(2).join(' '));
        return Promise.resolve({ code: 0, stderr: '', stdout: `${args[3]}: ${already ? 'already disabled' : 'disabled'}\n` });
      },
    };
    beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'afwd-')); calls = []; already = false; });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('does nothing while the agent heartbeats; disables both statics and leaves the marker once it stops', async () => {
      const hb = join(dir, 'heartbeat.json');
      await writeHeartbeat(hb);
      const dog = new BirdWatchdog(exec, { heartbeatFile: hb, timeoutMs: 5000, birdc: 'birdc', controlSocket: '/x.ctl' }, quiet);
      await dog.tick();
      expect(calls).toEqual([]);
      const old = (Date.now() - 10_000) / 1000;
      utimesSync(hb, old, old);
      await dog.tick();
      expect(calls).toEqual(['disable anyfront_pools4', 'disable anyfront_pools6']);
      expect(existsSync(withdrawnMarker(hb))).toBe(true);
      expect(await takeWithdrawnMarker(hb)).toBe(true);
      expect(await takeWithdrawnMarker(hb)).toBe(false);
      // Still stale: disabled again on every tick (a restarted BIRD may announce), but no new marker when nothing changed.
      already = true;
      await dog.tick();
      expect(calls).toHaveLength(4);
      expect(existsSync(withdrawnMarker(hb))).toBe(false);
    });

    it('exits, touching nothing, once the heartbeat names another agent (a new agent with its own BIRD took over)', async () => {
      const hb = join(dir, 'heartbeat.json');
      await writeHeartbeat(hb, process.pid);
      const old = (Date.now() - 10_000) / 1000;
      utimesSync(hb, old, old);
      const dog = new BirdWatchdog(exec, { heartbeatFile: hb, timeoutMs: 5000, birdc: 'birdc', controlSocket: '/x.ctl', agentPid: 999_999 }, quiet);
      await dog.tick();
      expect(dog.superseded).toBe(true);
      expect(calls).toEqual([]);
    });
  });
});
