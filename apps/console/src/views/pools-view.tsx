'use client';
import { Anchor, Badge, Button, Card, Group, MultiSelect, SegmentedControl, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { EmptyState, ErrorState, FormModal, LoadingRows, PageHeader, StatusBadge, problemFieldErrors, problemMessage } from '@anyfront/ui';
import { useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { api } from '../lib/api';
import { usePools, usePops } from '../lib/queries';

/** Create a pool: prefix, scope, the PoPs that announce it; the API's field errors on the fields. */
function CreatePoolDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const pops = usePops();
  const [error, setError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { prefix: '', scope: 'global' as 'global' | 'regional', region: '', pop_ids: [] as string[] },
    validate: { prefix: (v) => (v.trim() ? null : 'Enter a prefix, e.g. 192.0.2.0/24'), pop_ids: (v) => (v.length ? null : 'Pick the PoPs that announce it') },
  });
  const close = () => { form.reset(); setError(null); onClose(); };
  const submit = form.onSubmit(async (v) => {
    setError(null);
    const body = { prefix: v.prefix.trim(), scope: v.scope, pop_ids: v.pop_ids, ...(v.scope === 'regional' ? { region: v.region.trim() } : {}) };
    const { error: problem } = await api.POST('/v1/admin/pools', { body });
    if (problem) {
      const { fields, rest } = problemFieldErrors(problem, ['prefix', 'scope', 'region', 'pop_ids']);
      form.setErrors(fields);
      if (!Object.keys(fields).length || rest.length) setError(problemMessage(problem, 'Could not create the pool'));
      return;
    }
    await qc.invalidateQueries({ queryKey: ['pools'] });
    close();
  });
  return (
    <FormModal title="Create a pool" opened={opened} onClose={close} onSubmit={submit} submitLabel="Create pool" submitting={form.submitting} error={error}>
      <TextInput label="Prefix" placeholder="192.0.2.0/24" description="An IPv4 /24 or IPv6 /48, as its network address" styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }} {...form.getInputProps('prefix')} />
      <div>
        <Text size="sm" fw={500} mb={4} id="scope-label">Scope</Text>
        <SegmentedControl aria-labelledby="scope-label" data={[{ value: 'global', label: 'Global' }, { value: 'regional', label: 'Regional' }]} {...form.getInputProps('scope')} />
      </div>
      {form.values.scope === 'regional' && <TextInput label="Region" placeholder="eu-west" {...form.getInputProps('region')} />}
      <MultiSelect label="Announced from" placeholder="PoPs" data={(pops.data ?? []).map((p) => ({ value: p.id, label: `${p.code.toUpperCase()} · ${p.name}` }))} searchable {...form.getInputProps('pop_ids')} />
    </FormModal>
  );
}

export function PoolsView() {
  const pools = usePools();
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader title="Pools and slots" description="The shared prefixes tenants' addresses come from, where each is announced, and how full it is. Open a pool for its slot map." actions={<Button onClick={() => setCreating(true)}>Create pool</Button>} />
      <CreatePoolDialog opened={creating} onClose={() => setCreating(false)} />
      <Card>
        {pools.isPending && <LoadingRows rows={3} />}
        {pools.isError && <ErrorState error={pools.error} onRetry={() => void pools.refetch()} />}
        {pools.data && (pools.data.length === 0 ? <EmptyState title="No pools yet" action={<Button onClick={() => setCreating(true)}>Create the first pool</Button>}>Services get their anycast addresses from pools.</EmptyState> : (
          <Table verticalSpacing="sm" highlightOnHover>
            <Table.Thead><Table.Tr><Table.Th>Prefix</Table.Th><Table.Th>Scope</Table.Th><Table.Th>Announced from</Table.Th><Table.Th>State</Table.Th><Table.Th ta="right">Assigned</Table.Th><Table.Th ta="right">Quarantined</Table.Th><Table.Th ta="right">Free</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {pools.data.map((p) => (
                <Table.Tr key={p.id} data-pool={p.prefix}>
                  <Table.Td><Anchor component={Link} href={`/pools/${p.id}`} ff="monospace" fw={600}>{p.prefix}</Anchor></Table.Td>
                  <Table.Td><Text size="sm" tt="capitalize">{p.scope}{p.region ? ` · ${p.region}` : ''}</Text></Table.Td>
                  <Table.Td><Group gap={4}>{p.pops.map((pop) => <Badge key={pop.id} variant="outline" color="gray" size="sm">{pop.code}</Badge>)}</Group></Table.Td>
                  <Table.Td><StatusBadge status={p.state} /></Table.Td>
                  <Table.Td ta="right">{p.utilization.assigned.toLocaleString()}</Table.Td>
                  <Table.Td ta="right">{p.utilization.quarantined.toLocaleString()}</Table.Td>
                  <Table.Td ta="right">{p.family === 4 ? p.utilization.free.toLocaleString() : '2^64'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ))}
      </Card>
    </>
  );
}
