'use client';
import { Stack, Text } from '@mantine/core';
import { CopyField } from '@anyfront/ui';
import type { Schemas } from '../lib/api';

type Service = Schemas['ServiceDto'];

/** Why the backend needs the kit, per encapsulation: one paragraph a customer can act on. */
export function encapsulationWhy(encap: Service['encapsulation']): string {
  const tunnel = {
    srv6: 'Edges carry each client packet to your backend inside an IPv6 segment-routing header (SRv6), so your backend needs an IPv6 address and must decapsulate SRv6.',
    ipip: 'Edges carry each client packet to your backend inside an outer IPv4 header (IP-in-IP), so your backend needs an IPv4 address and must decapsulate IPIP.',
    ip6ip6: 'Edges carry each client packet to your backend inside an outer IPv6 header (IPv6-in-IPv6), so your backend needs an IPv6 address and must decapsulate it.',
    gue: 'Edges carry each client packet to your backend inside UDP (GUE) on the service\'s GUE port, which passes most firewalls and clouds; your backend decapsulates it with a FOU socket.',
  }[encap];
  return `${tunnel} The client's packet arrives untouched, addressed to the anycast address, so the backend holds the anycast addresses on its loopback and answers the client directly (direct server return: replies never go back through the edge). Because the tunnel adds a header, the backend also clamps the MSS of its SYN-ACKs, or large uploads stall. The backend kit does all of this, records what it changed, and "down" undoes it.`;
}

const KIT = 'sudo node -r ./scripts/register.js apps/backend-kit/src/main.ts';

/**
 * The exact backend-kit commands for this service and one backend: `up` (tunnel, addresses, MSS
 * clamp, and the backend's verification token) and `answer`, which proves to the edges that this
 * server runs the kit for this backend (no traffic before it did).
 */
export function backendKitCommand(service: Pick<Service, 'encapsulation' | 'addresses' | 'gue_port'>, backendAddress: string, verifyToken?: string): string {
  const parts = [
    `${KIT} up`,
    `--encap ${service.encapsulation}`,
    ...service.addresses.map((a) => `--anycast ${a.address}`),
    `--backend-address ${backendAddress || '<this server\'s address>'}`,
    '--dev eth0',
  ];
  if (service.encapsulation === 'gue' && service.gue_port) parts.push(`--gue-port ${service.gue_port}`);
  parts.push(`--verify-token ${verifyToken ?? '<the backend\'s verification token>'}`);
  return `${parts.join(' \\\n    ')}\n${KIT} answer   # keep it running (a systemd service): it answers the edges' verification challenges`;
}

/** One paragraph on why a backend waits for verification. */
export const VERIFICATION_WHY = 'A backend gets client traffic only once it proved it is yours: each edge sends it a challenge through the tunnel, to the anycast address on port 61080, and the backend kit answers with a proof made from this backend\'s verification token. Until then the backend is pending (no answer yet) or failed (something answered without this backend\'s proof, e.g. the kit holds another token), and edges only probe it now and then.';

export function BackendKitInstructions({ service, backends }: { service: Service; backends: { address: string; verification_token?: string }[] }) {
  return (
    <Stack gap="sm">
      <Text size="sm">{encapsulationWhy(service.encapsulation)}</Text>
      <Text size="sm">{VERIFICATION_WHY}</Text>
      <Text size="sm">On each backend, from a checkout of the Anyfront repository (<Text span ff="monospace">npm ci</Text> once), run the command for that backend (replace <Text span ff="monospace">eth0</Text> with the interface the tunnel arrives on):</Text>
      {service.addresses.length === 0 && <Text size="sm" c="dimmed">The anycast addresses are being assigned; the commands appear when they are.</Text>}
      {service.addresses.length > 0 && (backends.length ? backends : [{ address: '' }]).map((b) => (
        <Stack key={b.address || 'none'} gap={4}>
          {b.address && <Text size="xs" fw={600}>Backend {b.address}</Text>}
          <CopyField value={backendKitCommand(service, b.address, b.verification_token)} label={`backend kit command${b.address ? ` for ${b.address}` : ''}`} block />
        </Stack>
      ))}
    </Stack>
  );
}
