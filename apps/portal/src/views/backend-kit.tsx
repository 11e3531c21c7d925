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

/** The exact backend-kit command for this service and one backend address. */
export function backendKitCommand(service: Pick<Service, 'encapsulation' | 'addresses' | 'gue_port'>, backendAddress: string): string {
  const parts = [
    'sudo node -r ./scripts/register.js apps/backend-kit/src/main.ts up',
    `--encap ${service.encapsulation}`,
    ...service.addresses.map((a) => `--anycast ${a.address}`),
    `--backend-address ${backendAddress || '<this server\'s address>'}`,
    '--dev eth0',
  ];
  if (service.encapsulation === 'gue' && service.gue_port) parts.push(`--gue-port ${service.gue_port}`);
  return parts.join(' \\\n    ');
}

export function BackendKitInstructions({ service, backends }: { service: Service; backends: { address: string }[] }) {
  return (
    <Stack gap="sm">
      <Text size="sm">{encapsulationWhy(service.encapsulation)}</Text>
      <Text size="sm">On each backend, from a checkout of the Anyfront repository (<Text span ff="monospace">npm ci</Text> once), run the command for that backend (replace <Text span ff="monospace">eth0</Text> with the interface the tunnel arrives on):</Text>
      {service.addresses.length === 0 && <Text size="sm" c="dimmed">The anycast addresses are being assigned; the commands appear when they are.</Text>}
      {service.addresses.length > 0 && (backends.length ? backends : [{ address: '' }]).map((b) => (
        <Stack key={b.address || 'none'} gap={4}>
          {b.address && <Text size="xs" fw={600}>Backend {b.address}</Text>}
          <CopyField value={backendKitCommand(service, b.address)} label={`backend kit command${b.address ? ` for ${b.address}` : ''}`} block />
        </Stack>
      ))}
    </Stack>
  );
}
