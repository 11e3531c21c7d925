'use client';
import { Alert, Anchor, Button, Card, Group, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { LoadingRows, PageHeader, ToneBadge, problemFieldErrors, problemMessage } from '@anyfront/ui';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useState } from 'react';
import { problemOf } from '../lib/api';
import { useLookup } from '../lib/queries';

const when = (iso: string) => new Date(iso).toLocaleString();

/** Any address → who holds it and since when, its history, pool and announcing PoPs; or whose backend it is. */
export function LookupView() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const address = params.get('address');
  const [input, setInput] = useState(address ?? '');
  useEffect(() => setInput(address ?? ''), [address]);
  const lookup = useLookup(address);
  const r = lookup.data;
  const fieldError = lookup.isError ? (problemFieldErrors(problemOf(lookup.error), ['address']).fields.address ?? problemMessage(problemOf(lookup.error), 'Lookup failed')) : null;
  return (
    <>
      <PageHeader title="Address lookup" description="An anycast address: who holds it, since when, who held it before, and which PoPs announce it. A backend address: which tenants' services send traffic to it." />
      <Card mb="lg">
        <form onSubmit={(e) => { e.preventDefault(); router.replace(`${pathname}?address=${encodeURIComponent(input.trim())}`); }}>
          <Group align="flex-end">
            <TextInput label="Address" placeholder="192.0.2.37 or 2001:db8::1" styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }} w={360} value={input} onChange={(e) => setInput(e.currentTarget.value)} error={fieldError} />
            <Button type="submit">Look up</Button>
          </Group>
        </form>
      </Card>
      {lookup.isFetching && !r && <Card><LoadingRows rows={3} /></Card>}
      {r && (
        <Stack gap="lg" data-testid="lookup-result">
          <SimpleGrid cols={{ base: 1, md: 3 }}>
            <Card>
              <Text size="sm" c="dimmed">Holder</Text>
              {r.anycast?.holder && r.anycast.state === 'assigned' ? (
                <>
                  <Title order={2} size="h3" mt={4} data-testid="holder">{r.anycast.holder.organization_name}</Title>
                  <Text size="sm">service <b>{r.anycast.holder.service_name}</b></Text>
                  <Text size="sm" c="dimmed">since {when(r.anycast.holder.since)}</Text>
                </>
              ) : r.anycast?.state === 'quarantined' ? (
                <><Title order={2} size="h3" mt={4}>Quarantined</Title><Text size="sm" c="dimmed">free again {r.anycast.quarantined_until ? when(r.anycast.quarantined_until) : ''}</Text></>
              ) : <Title order={2} size="h3" mt={4}>{r.pool ? 'Free' : 'Not an anycast address'}</Title>}
            </Card>
            <Card>
              <Text size="sm" c="dimmed">Pool</Text>
              {r.pool ? <><Anchor component={Link} href={`/pools/${r.pool.id}`} ff="monospace" fw={700} size="lg">{r.pool.prefix}</Anchor><Text size="sm" c="dimmed">{r.anycast ? `slot ${r.anycast.slot_index}` : 'slot free'}</Text></> : <Text mt={4}>In no pool</Text>}
            </Card>
            <Card>
              <Text size="sm" c="dimmed">Announced from</Text>
              {r.announcing_pops.length === 0 ? <Text mt={4}>No PoP</Text> : (
                <Stack gap={4} mt={4}>
                  {r.announcing_pops.map((p) => (
                    <Group key={p.pop_id} gap="xs" data-announcing-pop={p.pop_code}>
                      <ToneBadge tone={p.announcing > 0 ? 'teal' : 'red'}>{p.pop_code}</ToneBadge>
                      <Text size="sm">{p.announcing} of {p.edge_nodes} edge node{p.edge_nodes === 1 ? '' : 's'} announcing</Text>
                    </Group>
                  ))}
                </Stack>
              )}
            </Card>
          </SimpleGrid>
          <Card>
            <Title order={2} size="h4" mb="sm">Holding history</Title>
            {r.history.length === 0 ? <Text size="sm" c="dimmed">Nobody has held {r.address}.</Text> : (
              <Table verticalSpacing="xs">
                <Table.Thead><Table.Tr><Table.Th>Organization</Table.Th><Table.Th>Service</Table.Th><Table.Th>From</Table.Th><Table.Th>To</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {r.history.map((h) => (
                    <Table.Tr key={`${h.service_id}-${h.from}`}>
                      <Table.Td>{h.organization_name ?? h.organization_id}</Table.Td>
                      <Table.Td>{h.service_name ?? <Text span c="dimmed" size="sm">deleted service</Text>}</Table.Td>
                      <Table.Td>{when(h.from)}</Table.Td>
                      <Table.Td>{h.to ? when(h.to) : <ToneBadge tone="teal">holding</ToneBadge>}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Card>
          {r.backend_of.length > 0 && (
            <Card>
              <Title order={2} size="h4" mb="sm">Backend of</Title>
              <Table verticalSpacing="xs">
                <Table.Thead><Table.Tr><Table.Th>Organization</Table.Th><Table.Th>Service</Table.Th><Table.Th>Enabled</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {r.backend_of.map((b) => (
                    <Table.Tr key={b.backend_id}><Table.Td>{b.organization_name}</Table.Td><Table.Td>{b.service_name}</Table.Td><Table.Td>{b.enabled ? 'yes' : 'no'}</Table.Td></Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Card>
          )}
          {!r.pool && r.backend_of.length === 0 && <Alert color="gray" variant="light">{r.address} is in no pool and no service uses it as a backend.</Alert>}
        </Stack>
      )}
    </>
  );
}
