import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type BackendKitOptions } from './options';
import { KIT_DEVICES, NFT_UNDO, renderBackendKit, type BackendKitPlan } from './render';

export interface RunResult { code: number; stdout: string; stderr: string }
export type Runner = (argv: string[], input?: string) => Promise<RunResult>;

/** Runs argv directly (no shell); inside `netns` when given (`ip netns exec`). */
export function processRunner(netns?: string): Runner {
  return (argv, input) => new Promise((resolve, reject) => {
    const [cmd, ...args] = netns ? ['ip', 'netns', 'exec', netns, ...argv] : argv;
    if (!cmd) return reject(new Error('empty command'));
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    // A command that exits without reading stdin must not crash us with EPIPE; its exit code tells.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

export class BackendKitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendKitError';
  }
}

/** What `up` records so `down` can undo exactly that, even without the original options. */
export interface KitState {
  version: 1;
  options: BackendKitOptions;
  /** Values found before `up` changed them. */
  sysctlsBefore: Record<string, string>;
  /** lo addresses that were already there; `down` leaves them. */
  preexistingLoAddresses: string[];
}

export interface KitContext {
  run: Runner;
  stateFile: string;
  log?: (line: string) => void;
}

/** Default state file: one per network namespace, since /run is shared between namespaces. */
export async function defaultStateFile(run: Runner): Promise<string> {
  const r = await run(['ip', 'netns', 'identify', String(process.pid)]);
  const ns = r.code === 0 ? r.stdout.trim() : '';
  return `/run/anyfront-backend/${ns || 'default'}.json`;
}

function readState(file: string): KitState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const state = JSON.parse(text) as KitState;
  if (state.version !== 1) throw new BackendKitError(`state file ${file} has unknown version ${String(state.version)}`);
  return state;
}

function writeState(file: string, state: KitState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}

async function must(ctx: KitContext, argv: string[], input?: string): Promise<string> {
  ctx.log?.(`+ ${argv.join(' ')}`);
  const r = await ctx.run(argv, input);
  if (r.code !== 0) throw new BackendKitError(`\`${argv.join(' ')}\` failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Errors that only mean "already gone", so undo stays idempotent. */
const ABSENT = /No such (process|file|device)|Cannot find device|Cannot assign requested address|does not exist|not found|ENOENT/i;

async function lenient(ctx: KitContext, argv: string[], input?: string): Promise<string | undefined> {
  ctx.log?.(`+ ${argv.join(' ')}`);
  const r = await ctx.run(argv, input);
  if (r.code === 0 || ABSENT.test(r.stderr)) return undefined;
  return `\`${argv.join(' ')}\` failed (exit ${r.code}): ${r.stderr.trim()}`;
}

async function loAddresses(ctx: KitContext): Promise<Set<string>> {
  const out = JSON.parse(await must(ctx, ['ip', '-j', 'addr', 'show', 'dev', 'lo'])) as { addr_info?: { local: string; prefixlen: number }[] }[];
  return new Set(out.flatMap((l) => l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`));
}

/**
 * Prepares this host (or namespace) for tunnel traffic. Re-running `up` first undoes the previous
 * `up` recorded in the state file, so options may change between runs. Any failure rolls back.
 */
export async function kitUp(options: BackendKitOptions, ctx: KitContext): Promise<BackendKitPlan> {
  if (readState(ctx.stateFile)) await kitDown(ctx);
  const plan = renderBackendKit(options);

  // Read everything first: a missing device or unknown sysctl fails before anything changes.
  await must(ctx, ['ip', 'link', 'show', 'dev', options.dev]);
  const sysctlsBefore: Record<string, string> = {};
  for (const s of plan.sysctls) sysctlsBefore[s.key] = (await must(ctx, ['sysctl', '-n', s.key])).trim();
  const present = await loAddresses(ctx);
  const preexistingLoAddresses = plan.loAddresses.filter((p) => present.has(p));
  writeState(ctx.stateFile, { version: 1, options, sysctlsBefore, preexistingLoAddresses });

  try {
    for (const s of plan.sysctls) await must(ctx, ['sysctl', '-q', '-w', `${s.key}=${s.value}`]);
    for (const c of plan.commands) {
      if (c[1] === 'addr' && c[2] === 'add' && c[3] !== undefined && preexistingLoAddresses.includes(c[3])) continue;
      await must(ctx, c);
    }
    await must(ctx, ['nft', '-f', '-'], plan.nft);
  } catch (err) {
    const problems = await kitDown(ctx).catch((e: Error) => [e.message]);
    const rollback = problems.length ? ` (rollback also reported: ${problems.join('; ')})` : ' (rolled back)';
    throw new BackendKitError(`${(err as Error).message}${rollback}`);
  }
  return plan;
}

/**
 * Undoes what `up` recorded. Without a state file it removes what `options` would have made, or
 * (with no options either) just the kit's nft table and tunnel devices. Safe to run repeatedly.
 * Returns problems that did not stop the rest of the undo.
 */
export async function kitDown(ctx: KitContext, options?: BackendKitOptions): Promise<string[]> {
  const state = readState(ctx.stateFile);
  const opts = state?.options ?? options;
  const problems: string[] = [];
  const note = (p: string | undefined) => p && problems.push(p);

  note(await lenient(ctx, ['nft', '-f', '-'], NFT_UNDO));
  if (opts) {
    const plan = renderBackendKit(opts);
    for (const c of plan.undo) {
      if (c[1] === 'addr' && c[2] === 'del' && c[3] !== undefined && state?.preexistingLoAddresses.includes(c[3])) continue;
      note(await lenient(ctx, c));
    }
    if (state) {
      for (const s of plan.sysctls) {
        const before = state.sysctlsBefore[s.key];
        if (before === undefined) continue;
        // Leave a value someone changed after `up`; only put back what we set.
        const now = await ctx.run(['sysctl', '-n', s.key]);
        if (now.code !== 0 || now.stdout.trim() !== s.value) continue;
        note(await lenient(ctx, ['sysctl', '-q', '-w', `${s.key}=${before}`]));
      }
    }
  } else {
    for (const dev of KIT_DEVICES) note(await lenient(ctx, ['ip', 'link', 'del', 'dev', dev]));
  }
  if (state && problems.length === 0) rmSync(ctx.stateFile, { force: true });
  return problems;
}
