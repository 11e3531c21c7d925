import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nsRun, run } from './exec';
import { REGISTER, REPO_ROOT } from './paths';
import { Backend } from './topology';

export const KIT_MAIN = join(REPO_ROOT, 'apps/backend-kit/src/main.ts');

/** Prepares one backend with the real backend kit: SRv6 decapsulation, anycast on lo, sysctls, SYN-ACK MSS clamp. */
export async function prepareBackend(b: Backend, anycast: string[]): Promise<void> {
  if (!existsSync(KIT_MAIN)) {
    await interimPrepare(b, anycast);
    return;
  }
  const args = ['-r', REGISTER, KIT_MAIN, 'up', '--encap', 'srv6', ...anycast.flatMap((a) => ['--anycast', a])];
  await run('ip', ['netns', 'exec', b.ns, process.execPath, ...args]);
}

// TEMPORARY until apps/backend-kit lands: the same steps by hand (DESIGN.md "Backend side").
async function interimPrepare(b: Backend, anycast: string[]): Promise<void> {
  for (const a of anycast) await run('ip', ['-n', b.ns, 'addr', 'add', `${a}/32`, 'dev', 'lo']);
  await nsRun(b.ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.forwarding=1', 'net.ipv6.conf.all.seg6_enabled=1', `net.ipv6.conf.${b.link.peerIf}.seg6_enabled=1`,
    'net.ipv4.conf.all.rp_filter=0', `net.ipv4.conf.${b.link.peerIf}.rp_filter=0`]);
  const set = anycast.join(', ');
  await nsRun(b.ns, 'nft', ['-f', '-'], { input: `table inet afl_kit { chain out { type filter hook output priority mangle; ip saddr { ${set} } tcp flags & (syn|ack) == syn|ack tcp option maxseg size set 1396; } }\n` });
}
