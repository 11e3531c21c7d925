'use client';
import { Anchor, Button, Card, Grid, Group, MultiSelect, SegmentedControl, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { AreaChart } from '@mantine/charts';
import { useForm } from '@mantine/form';
import { EmptyState, ErrorState, FormModal, LoadingRows, PageHeader, StatusBadge, ToneBadge, problemFieldErrors, problemMessage } from '@anyfront/ui';
import { useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { api, type Schemas } from '../lib/api';
import { usePool, usePoolUtilization, usePops, useSlotMap } from '../lib/queries';
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
      {slot.state === 'assigned' && <Anchor component={Link} href={`/relocations?address=${encodeURIComponent(slot.address)}`} size="sm">Relocate this address with notice →</Anchor>}
    </Stack>
  );
}

type Pool = Schemas['PoolDto'];
const POOL_FIELDS = ['scope', 'region', 'pop_ids', 'state'] as const;

/** Change a pool's PoP set, scope or state (draining: keeps its addresses, gets no new ones); the API's field errors on the fields. */
function EditPoolDialog({ pool, opened, onClose }: { pool: Pool | undefined; opened: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const pops = usePops();
  const [error, setError] = useState<string | null>(null);
  const form = useForm({ initialValues: { scope: 'global' as 'global' | 'regional', region: '', pop_ids: [] as string[], state: 'active' as Pool['state'] } });
  useEffect(() => {
    if (pool && opened) form.setValues({ scope: pool.scope, region: pool.region ?? '', pop_ids: pool.pop_ids, state: pool.state });
  }, [pool?.id, opened]);
  const close = () => { form.clearErrors(); setError(null); onClose(); };
  const submit = form.onSubmit(async (v) => {
    if (!pool) return;
    setError(null);
    const body = { scope: v.scope, region: v.scope === 'regional' ? v.region.trim() : null, pop_ids: v.pop_ids, state: v.state };
    const { error: problem } = await api.PATCH('/v1/admin/pools/{id}', { params: { path: { id: pool.id } }, body });
    if (problem) {
      const { fields, rest } = problemFieldErrors(problem, POOL_FIELDS);
      form.setErrors(fields);
      if (!Object.keys(fields).length || rest.length) setError(problemMessage(problem, 'Could not change the pool'));
      return;
    }
    await qc.invalidateQueries({ queryKey: ['pools'] });
    close();
  });
  return (
    <FormModal title={pool ? `Edit ${pool.prefix}` : 'Edit pool'} opened={opened} onClose={close} onSubmit={submit} submitLabel="Save" submitting={form.submitting} error={error}>
      <Text size="sm">Every address of the pool is announced from exactly this PoP set; edge nodes pick the change up within seconds.</Text>
      <div>
        <Text size="sm" fw={500} mb={4} id="edit-scope-label">Scope</Text>
        <SegmentedControl aria-labelledby="edit-scope-label" data={[{ value: 'global', label: 'Global' }, { value: 'regional', label: 'Regional' }]} {...form.getInputProps('scope')} />
      </div>
      {form.values.scope === 'regional' && <TextInput label="Region" placeholder="eu-west" {...form.getInputProps('region')} />}
      <MultiSelect label="Announced from" placeholder="PoPs" data={(pops.data ?? []).map((p) => ({ value: p.id, label: `${p.code.toUpperCase()} · ${p.name}` }))} searchable {...form.getInputProps('pop_ids')} />
      <Select label="State" description="draining: keeps its addresses but gets no new ones; disabled: not announced" data={['active', 'draining', 'disabled']} allowDeselect={false} {...form.getInputProps('state')} />
    </FormModal>
  );
}

/** Held addresses over time, replayed from the holding history. */
function UtilizationChart({ poolId }: { poolId: string }) {
  const [days, setDays] = useState('7');
  const series = usePoolUtilization(poolId, Number(days));
  const s = series.data;
  const step = s?.step_seconds ?? 3600;
  const rows = (s?.points ?? []).map((p) => ({ t: step < 86_400 ? `${p.at.slice(5, 10)} ${p.at.slice(11, 16)}` : p.at.slice(0, 10), held: p.assigned }));
  const last = s?.points[s.points.length - 1];
  return (
    <Card>
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={2} size="h4">Utilization over time</Title>
          {s && last && <Text size="sm" c="dimmed">{last.assigned} of {s.capacity.toLocaleString()} addresses held at {last.at.slice(11, 16)} UTC</Text>}
        </div>
        <SegmentedControl size="xs" aria-label="Period" data={[{ value: '1', label: '24 h' }, { value: '7', label: '7 days' }, { value: '30', label: '30 days' }]} value={days} onChange={setDays} />
      </Group>
      {series.isPending && <LoadingRows rows={3} />}
      {series.isError && <ErrorState error={series.error} onRetry={() => void series.refetch()} />}
      {s && (
        <div role="img" aria-label={`Addresses held in ${s.prefix} over the last ${days} day(s)`} data-testid="utilization-chart" data-points={s.points.length}>
          <AreaChart h={220} data={rows} dataKey="t" series={[{ name: 'held', label: 'Held addresses', color: 'brand.6' }]} curveType="stepAfter" withDots={false} gridAxis="y" tickLine="none" yAxisProps={{ width: 50, domain: [0, s.capacity <= 256 ? s.capacity : 'auto'] }} />
        </div>
      )}
    </Card>
  );
}

/** One pool: its slot map (IPv4), or the list of taken addresses (IPv6), and the selected slot's holder. */
export function PoolDetailView({ poolId }: { poolId: string }) {
  const map = useSlotMap(poolId);
  const pool = usePool(poolId);
  const [selected, setSelected] = useState<Slot | null>(null);
  const [editing, setEditing] = useState(false);
  const m = map.data;
  return (
    <>
      <PageHeader
        title={m ? m.pool.prefix : 'Pool'}
        description={m ? `IPv${m.pool.family} pool announced from ${m.pool.pop_codes.map((c) => c.toUpperCase()).join(', ') || 'no PoP'}.` : undefined}
        badge={m && <StatusBadge status={m.pool.state} />}
        actions={<Group><Button variant="light" onClick={() => setEditing(true)} disabled={!pool.data}>Edit pool</Button><Anchor component={Link} href="/pools">All pools</Anchor></Group>}
      />
      <EditPoolDialog pool={pool.data} opened={editing} onClose={() => setEditing(false)} />
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
          <Grid.Col span={12}><UtilizationChart poolId={poolId} /></Grid.Col>
        </Grid>
      )}
    </>
  );
}
