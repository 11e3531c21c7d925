import { join } from 'node:path';
import { run } from './exec';
import { labDir, REGISTER, REPO_ROOT } from './paths';
import { readTracked, spawnTracked, stopPid } from './processes';
import { Backend } from './topology';

export const KIT_MAIN = join(REPO_ROOT, 'apps/backend-kit/src/main.ts');

/**
 * Prepares one backend with the real backend kit (apps/backend-kit): SRv6 decapsulation of packets
 * to its unicast IPv6 address, the anycast addresses on lo, sysctls, and the SYN-ACK MSS clamp.
 */
export async function prepareBackend(b: Backend, anycast: string[]): Promise<void> {
  const args = ['-r', REGISTER, KIT_MAIN, 'up', '--encap', 'srv6', ...anycast.flatMap((a) => ['--anycast', a]),
    '--backend-address', b.link.peerV6, '--dev', b.link.peerIf, '--netns', b.ns, '--state-file', join(labDir(), `${b.name}-kit.json`)];
  await run(process.execPath, args, { timeoutMs: 60_000 });
}

/** The backend's kit token file in the lab (the kit's --token-file). */
export const kitTokenFile = (b: Backend): string => join(labDir(), `${b.name}-verify-tokens`);

/**
 * Gives the backend's kit verification tokens, as a tenant does with the token the API returns for
 * the backend (`backend-kit token add`); its answerer reads the file per challenge.
 */
export async function addKitTokens(b: Backend, tokens: string[]): Promise<void> {
  if (!tokens.length) return;
  await run(process.execPath, ['-r', REGISTER, KIT_MAIN, 'token', 'add', ...tokens, '--token-file', kitTokenFile(b)], { timeoutMs: 60_000 });
}

export async function removeKitTokens(b: Backend, tokens: string[]): Promise<void> {
  if (!tokens.length) return;
  await run(process.execPath, ['-r', REGISTER, KIT_MAIN, 'token', 'remove', ...tokens, '--token-file', kitTokenFile(b)], { timeoutMs: 60_000 });
}

/** Starts the kit's challenge answerer (`backend-kit answer`) inside the backend's namespace. */
export function startKitAnswerer(b: Backend): number {
  const args = ['-r', REGISTER, KIT_MAIN, 'answer', '--token-file', kitTokenFile(b)];
  return spawnTracked(`kit-answer-${b.name}`, b.ns, process.execPath, args, join(labDir(), `${b.name}-kit-answer.log`)).pid;
}

/** Stops the backend's answerer (a backend without a running kit: its challenges get no answer). */
export async function stopKitAnswerer(b: Backend): Promise<void> {
  const p = readTracked().find((t) => t.name === `kit-answer-${b.name}`);
  if (p) await stopPid(p.pid);
}
