import { join } from 'node:path';
import { run } from './exec';
import { labDir, REGISTER, REPO_ROOT } from './paths';
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
