'use client';
import { Button, Card, Group, SimpleGrid, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { EmptyState, ErrorState, FormModal, LoadingRows, PageHeader, ToneBadge, problemFieldErrors, problemMessage } from '@anyfront/ui';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, type Schemas } from '../lib/api';
import { usePriceBook } from '../lib/queries';

type Entry = Schemas['PriceBookEntryDto'];
const FIELDS = ['effective_from', 'currency', 'ipv4_address_hour', 'ipv6_address_hour', 'traffic_gb', 'region_multipliers', 'free_allowance', 'note'] as const;

/** "sa-east=3" lines ↔ { "sa-east": "3" }; a line that is not region=value is kept as is so the API names it. */
function parseMultipliers(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    const [region = '', value = ''] = l.split('=').map((x) => x.trim());
    return [region, value];
  }));
}
const multipliersText = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join('\n');

/** The next whole UTC hour, a day from now: a valid default for a new version. */
function nextHour(): string {
  const d = new Date(Date.now() + 86_400_000);
  d.setUTCMinutes(0, 0, 0);
  return d.toISOString().replace('.000Z', 'Z');
}

function AddVersionDialog({ opened, onClose, current }: { opened: boolean; onClose: () => void; current: Entry | undefined }) {
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const initial = () => ({
    effective_from: nextHour(),
    ipv4_address_hour: current?.ipv4_address_hour ?? '',
    ipv6_address_hour: current?.ipv6_address_hour ?? '0',
    traffic_gb: current?.traffic_gb ?? '',
    region_multipliers: multipliersText(current?.region_multipliers ?? {}),
    free_allowance: current?.free_allowance ?? '0',
    note: '',
  });
  const form = useForm({ initialValues: initial() });
  // Prefilled from the version in force each time it opens (the book may load after the page).
  useEffect(() => {
    if (opened) form.setValues(initial());
  }, [opened, current?.version]);
  const close = () => { form.clearErrors(); setError(null); onClose(); };
  const submit = form.onSubmit(async (v) => {
    setError(null);
    const body = { ...v, region_multipliers: parseMultipliers(v.region_multipliers), note: v.note.trim() || undefined };
    const { error: problem } = await api.POST('/v1/admin/price-book', { body });
    if (problem) {
      // Errors about one region (region_multipliers.<region>) belong on the multipliers field.
      const errors = (problem.errors ?? []).map((e) => (e.field.startsWith('region_multipliers') ? { ...e, field: 'region_multipliers', message: `${e.field.slice('region_multipliers'.length).replace(/^[.[]/, '').replace(/]$/, '') || 'multipliers'}: ${e.message}` } : e));
      const { fields, rest } = problemFieldErrors({ ...problem, errors }, FIELDS);
      form.setErrors(fields);
      if (!Object.keys(fields).length || rest.length) setError(problemMessage(problem, 'Could not add the version'));
      return;
    }
    await qc.invalidateQueries({ queryKey: ['price-book'] });
    close();
  });
  const mono = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };
  return (
    <FormModal title="Add a price-book version" opened={opened} onClose={close} onSubmit={submit} submitLabel="Add version" submitting={form.submitting} error={error}>
      <Text size="sm">Versions are never changed: a new one applies from its start until the next. Prices are in minor units ({current?.currency ?? 'usd'} cents) as decimal strings.</Text>
      <TextInput label="Effective from" description="A whole UTC hour in the future" styles={mono} {...form.getInputProps('effective_from')} />
      <SimpleGrid cols={2}>
        <TextInput label="IPv4 address-hour" styles={mono} {...form.getInputProps('ipv4_address_hour')} />
        <TextInput label="IPv6 address-hour" styles={mono} {...form.getInputProps('ipv6_address_hour')} />
        <TextInput label="Traffic per GB" styles={mono} {...form.getInputProps('traffic_gb')} />
        <TextInput label="Free allowance per month" styles={mono} {...form.getInputProps('free_allowance')} />
      </SimpleGrid>
      <Textarea label="Region multipliers" description="One region=multiplier per line, e.g. sa-east=3" autosize minRows={2} styles={mono} {...form.getInputProps('region_multipliers')} />
      <TextInput label="Note" {...form.getInputProps('note')} />
    </FormModal>
  );
}

export function PriceBookView() {
  const book = usePriceBook();
  const [adding, setAdding] = useState(false);
  const entries = book.data?.entries ?? [];
  const current = entries.find((e) => e.version === book.data?.current_version);
  return (
    <>
      <PageHeader title="Price book" description="What tenants pay: every version with the hour it takes effect; usage is rated with the version in force at each hour." actions={<Button onClick={() => setAdding(true)}>Add version</Button>} />
      <AddVersionDialog opened={adding} onClose={() => setAdding(false)} current={current} />
      <Card>
        {book.isPending && <LoadingRows rows={3} />}
        {book.isError && <ErrorState error={book.error} onRetry={() => void book.refetch()} />}
        {book.data && (entries.length === 0 ? <EmptyState title="No price-book version" /> : (
          <Table verticalSpacing="sm">
            <Table.Thead><Table.Tr><Table.Th>Version</Table.Th><Table.Th>Effective from</Table.Th><Table.Th ta="right">IPv4 address-hour</Table.Th><Table.Th ta="right">IPv6 address-hour</Table.Th><Table.Th ta="right">Traffic per GB</Table.Th><Table.Th>Region multipliers</Table.Th><Table.Th ta="right">Free allowance</Table.Th><Table.Th>Note</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {[...entries].reverse().map((e) => (
                <Table.Tr key={e.version} data-version={e.version}>
                  <Table.Td><Group gap="xs"><Text fw={600}>v{e.version}</Text>{e.version === book.data.current_version && <ToneBadge tone="green">in force</ToneBadge>}{Date.parse(e.effective_from) > Date.now() && <ToneBadge tone="blue">scheduled</ToneBadge>}</Group></Table.Td>
                  <Table.Td><Text size="sm" ff="monospace">{e.effective_from.slice(0, 16).replace('T', ' ')} UTC</Text></Table.Td>
                  <Table.Td ta="right" ff="monospace">{e.ipv4_address_hour}</Table.Td>
                  <Table.Td ta="right" ff="monospace">{e.ipv6_address_hour}</Table.Td>
                  <Table.Td ta="right" ff="monospace">{e.traffic_gb}</Table.Td>
                  <Table.Td><Text size="sm" ff="monospace">{Object.entries(e.region_multipliers).map(([k, v]) => `${k}×${v}`).join(', ') || '—'}</Text></Table.Td>
                  <Table.Td ta="right" ff="monospace">{e.free_allowance} {e.currency}</Table.Td>
                  <Table.Td><Text size="sm">{e.note ?? ''}</Text></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ))}
      </Card>
    </>
  );
}
