'use client';
import { ActionIcon, Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import type { Schemas } from '../lib/api';

export type Encap = Schemas['ServiceDto']['encapsulation'];
export interface ListenerValue { protocol: 'tcp' | 'udp'; ports: string }

export const encapsulations: { value: Encap; label: string }[] = [
  { value: 'srv6', label: 'SRv6: IPv6 backends (default)' },
  { value: 'gue', label: 'GUE (UDP): IPv4 or IPv6 backends, passes most clouds' },
  { value: 'ipip', label: 'IPIP: IPv4 backends' },
  { value: 'ip6ip6', label: 'IPv6-in-IPv6: IPv6 backends' },
];

/** The same port rule as the API (libs/domain listeners): "443" or "8000-8100", 1-65535, no leading zeros. */
export function portsError(text: string): string | null {
  const m = /^([1-9]\d{0,4})(?:-([1-9]\d{0,4}))?$/.exec(text.trim());
  if (!m) return 'Use a port or a range, e.g. "443" or "8000-8100"';
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from > 65535 || to > 65535) return 'Ports go from 1 to 65535';
  if (from > to) return 'Write the lower port first';
  return null;
}

/** The listener rows (protocol + ports, add/remove) of the create and the settings forms. */
export function ListenerFields<T extends { listeners: ListenerValue[] }>({ form }: { form: UseFormReturnType<T> }) {
  return (
    <Stack gap={6}>
      <Text size="sm" fw={500}>Listeners: what clients connect to</Text>
      {form.values.listeners.map((_, i) => (
        <Group key={i} align="flex-start" gap="sm">
          <Select aria-label={`Protocol of listener ${i + 1}`} data={['tcp', 'udp']} allowDeselect={false} w={100} {...form.getInputProps(`listeners.${i}.protocol`)} />
          <TextInput aria-label={`Ports of listener ${i + 1}`} placeholder="443 or 8000-8100" w={220} {...form.getInputProps(`listeners.${i}.ports`)} />
          {form.values.listeners.length > 1 && <ActionIcon variant="subtle" color="gray" size="lg" mt={2} aria-label={`Remove listener ${i + 1}`} onClick={() => form.removeListItem('listeners', i)}>×</ActionIcon>}
        </Group>
      ))}
      {form.errors.listeners && <Text size="xs" c="red.8">{form.errors.listeners}</Text>}
      {/* Mantine cannot resolve the list element type of a generic form; the value is a ListenerValue. */}
      <Button variant="subtle" size="xs" w="fit-content" onClick={() => form.insertListItem('listeners', { protocol: 'tcp', ports: '' } satisfies ListenerValue as never)}>+ Add a listener</Button>
    </Stack>
  );
}
