'use client';
import { Anchor, Card, Grid, Group, Stack, Table, Text, Title } from '@mantine/core';
import { EmptyState, ErrorState, LoadingRows, PageHeader, StatusBadge, ToneBadge } from '@anyfront/ui';
import Link from 'next/link';
import { useState } from 'react';
import type { Schemas } from '../lib/api';
import { useSlotMap } from '../lib/queries';
import { SlotGrid, SlotLegend, slotDescription } from './slot-map';

type Slot = Schemas['SlotDto'];

function SlotDetail({ slot }: { slot: Slot | null }) {
  if (!slot) return <Text size="sm" c="dimmed">Select a slot to see who holds it.</Text>;
  return (
    <Stack gap="xs" data-testid="slot-detail">
      <Group justify="space-between"><Text ff="monospace" fw={700} size="lg">{slot.address}</Text><StatusBadge status={slot.state === 'assigned' ? 'active' : slot.state === 'quarantined' ? 'degraded' : 'unknown'} /></Group>
      <Text size="sm">{slotDescription(slot)}</Text>
      {slot.slot_index !== null && <Text size="xs" c="dimmed">Slot {slot.slot_index}</Text>}
      {slot.holder && (
        <Stack gap={2}>
          <Text size="xs" c="dimmed">Organization</Text>
          <Anchor component={Link} href={`/organizations?search=${encodeURIComponent(slot.holder.organization_name)}`}>{slot.holder.organization_name}</Anchor>
          <Text size="xs" c="dimmed" mt={4}>Service</Text>
          <Text size="sm">{slot.holder.service_name}</Text>
        </Stack>
      )}
      <Anchor component={Link} href={`/lookup?address=${encodeURIComponent(slot.address)}`} size="sm">Holding history and announcing PoPs →</Anchor>
    </Stack>
  );
}

/** One pool: its slot map (IPv4), or the list of taken addresses (IPv6), and the selected slot's holder. */
export function PoolDetailView({ poolId }: { poolId: string }) {
  const map = useSlotMap(poolId);
  const [selected, setSelected] = useState<Slot | null>(null);
  const m = map.data;
  return (
    <>
      <PageHeader
        title={m ? m.pool.prefix : 'Pool'}
        description={m ? `IPv${m.pool.family} pool announced from ${m.pool.pop_codes.map((c) => c.toUpperCase()).join(', ') || 'no PoP'}.` : undefined}
        badge={m && <StatusBadge status={m.pool.state} />}
        actions={<Anchor component={Link} href="/pools">All pools</Anchor>}
      />
      {map.isPending && <Card><LoadingRows rows={6} /></Card>}
      {map.isError && <ErrorState error={map.error} onRetry={() => void map.refetch()} />}
      {m && (
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, lg: 8 }}>
            <Card>
              <Group justify="space-between" mb="md"><Title order={2} size="h4">{m.grids ? 'Slot map' : 'Taken addresses'}</Title>{m.grids && <SlotLegend />}</Group>
              {m.grids ? (
                <Stack gap="xl">{m.grids.map((g) => <SlotGrid key={g.prefix} prefix={g.prefix} slots={g.slots} selected={selected?.address ?? null} onSelect={setSelected} />)}</Stack>
              ) : m.taken.length === 0 ? <EmptyState title="No address taken yet" /> : (
                <Table verticalSpacing="xs">
                  <Table.Thead><Table.Tr><Table.Th>Address</Table.Th><Table.Th>State</Table.Th><Table.Th>Holder</Table.Th></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {m.taken.map((t) => (
                      <Table.Tr key={t.slot_index}>
                        <Table.Td><Anchor component={Link} href={`/lookup?address=${encodeURIComponent(t.address)}`} ff="monospace" size="sm">{t.address}</Anchor></Table.Td>
                        <Table.Td><ToneBadge tone={t.state === 'assigned' ? 'blue' : 'yellow'}>{t.state}</ToneBadge></Table.Td>
                        <Table.Td><Text size="sm">{t.holder ? `${t.holder.organization_name} / ${t.holder.service_name}` : '—'}</Text></Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Card>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 4 }}>
            <Card><Title order={2} size="h4" mb="sm">Selected slot</Title><SlotDetail slot={selected} /></Card>
          </Grid.Col>
        </Grid>
      )}
    </>
  );
}
