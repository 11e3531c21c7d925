'use client';
import { Anchor, Button, Card, Group, NumberInput, Progress, SegmentedControl, Select, Stack, Table, Text, TextInput, Textarea, VisuallyHidden } from '@mantine/core';
import { useForm } from '@mantine/form';
import { EmptyState, ErrorState, FormModal, LoadingRows, PageHeader, ToneBadge, formatAgo, problemFieldErrors, problemMessage, useHeld } from '@anyfront/ui';
import { useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { api, type Schemas } from '../lib/api';
import { usePools, useRelocation, useRelocations } from '../lib/queries';

type Relocation = Schemas['RelocationDto'];
type Move = Schemas['RelocationMoveDto'];
type What = 'address' | 'service' | 'pool';
const FIELDS = ['address', 'service_id', 'pool_id', 'target_pool_id', 'notice_days', 'reason'] as const;

const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** Relocate one address, a service's address or a whole pool's tenants; the API's field errors on the fields. */
function CreateRelocationDialog({ opened, onClose, initialAddress }: { opened: boolean; onClose: () => void; initialAddress: string }) {
  const qc = useQueryClient();
  const pools = usePools();
  const [error, setError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { what: 'address' as What, address: initialAddress, service_id: '', pool_id: '', target_pool_id: '', notice_days: 7 as number | string, reason: '' },
  });
  const close = () => { form.reset(); setError(null); onClose(); };
  const v4 = (pools.data ?? []).filter((p) => p.family === 4);
  const submit = form.onSubmit(async (v) => {
    setError(null);
    const source = v.what === 'address' ? { address: v.address.trim() } : v.what === 'service' ? { service_id: v.service_id.trim(), ...(v.pool_id ? { pool_id: v.pool_id } : {}) } : { pool_id: v.pool_id };
    const body = { ...source, target_pool_id: v.target_pool_id, reason: v.reason.trim(), ...(v.notice_days === '' ? {} : { notice_days: Number(v.notice_days) }) };
    const { error: problem } = await api.POST('/v1/admin/relocations', { body });
    if (problem) {
      const { fields, rest } = problemFieldErrors(problem, FIELDS);
      form.setErrors(fields);
      if (!Object.keys(fields).length || rest.length) setError(problemMessage(problem, 'Could not relocate'));
      return;
    }
    await qc.invalidateQueries({ queryKey: ['relocations'] });
    await qc.invalidateQueries({ queryKey: ['pools'] });
    close();
  });
  const poolOptions = v4.map((p) => ({ value: p.id, label: `${p.prefix} · ${p.state} · ${p.utilization.free} free` }));
  return (
    <FormModal title="Relocate addresses" opened={opened} onClose={close} onSubmit={submit} submitLabel="Relocate" submitting={form.submitting} error={error}>
      <Text size="sm">Each moved service gets its new address in the target pool now, alongside the old one; both answer until the notice ends, then the old one is released into quarantine. The tenants see a notice with the deadline.</Text>
      <div>
        <Text size="sm" fw={500} mb={4} id="what-label">Move</Text>
        <SegmentedControl aria-labelledby="what-label" data={[{ value: 'address', label: 'One address' }, { value: 'service', label: "A service's address" }, { value: 'pool', label: "A pool's tenants" }]} {...form.getInputProps('what')} />
      </div>
      {form.values.what === 'address' && <TextInput label="Address" placeholder="192.0.2.37" styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }} {...form.getInputProps('address')} />}
      {form.values.what === 'service' && <TextInput label="Service id" placeholder="UUID" {...form.getInputProps('service_id')} />}
      {form.values.what !== 'address' && (
        <Select label={form.values.what === 'pool' ? 'Pool to empty' : 'From pool'} description={form.values.what === 'service' ? 'Needed when the service holds two IPv4 addresses outside the target pool' : undefined} data={poolOptions} clearable={form.values.what === 'service'} {...form.getInputProps('pool_id')} />
      )}
      <Select label="Target pool" placeholder="Pick an active IPv4 pool" data={poolOptions} {...form.getInputProps('target_pool_id')} />
      <NumberInput label="Notice (days)" description="Both addresses answer this long (the default is 7); shorten later with a reason" min={0} max={365} decimalScale={3} {...form.getInputProps('notice_days')} />
      <Textarea label="Reason" description="Shown to the tenants in their notice" autosize minRows={2} {...form.getInputProps('reason')} />
    </FormModal>
  );
}

/** End the notice earlier, with a reason for the audit log; a time in the past releases the old addresses now. */
function ShortenDialog({ relocation: opened, onClose }: { relocation: Relocation | null; onClose: () => void }) {
  const qc = useQueryClient();
  const r = useHeld(opened);
  const [error, setError] = useState<string | null>(null);
  const form = useForm({ initialValues: { notice_ends_at: '', reason: '' } });
  const close = () => { form.reset(); setError(null); onClose(); };
  const submit = form.onSubmit(async (v) => {
    if (!r) return;
    setError(null);
    const at = v.notice_ends_at.trim() || new Date().toISOString();
    const { error: problem } = await api.POST('/v1/admin/relocations/{id}/shorten', { params: { path: { id: r.id } }, body: { notice_ends_at: at, reason: v.reason.trim() } });
    if (problem) {
      const { fields, rest } = problemFieldErrors(problem, ['notice_ends_at', 'reason']);
      form.setErrors(fields);
      if (!Object.keys(fields).length || rest.length) setError(problemMessage(problem, 'Could not shorten the notice'));
      return;
    }
    await qc.invalidateQueries({ queryKey: ['relocations'] });
    close();
  });
  return (
    <FormModal title={r ? `Shorten the notice of the move to ${r.target_pool.prefix}?` : ''} opened={Boolean(opened)} onClose={close} onSubmit={submit} submitLabel="Shorten notice" submitting={form.submitting} error={error}>
      <Text size="sm">{r ? `The notice ends ${when(r.notice_ends_at)}. Tenants were told that date; ending it earlier releases ${r.progress.moves} old address(es) sooner.` : ''}</Text>
      <TextInput label="New end" placeholder="now" description="A UTC date-time such as 2026-12-03T12:00:00Z; empty or in the past ends it now" {...form.getInputProps('notice_ends_at')} />
      <Textarea label="Reason" description="Kept in the audit log" autosize minRows={2} {...form.getInputProps('reason')} />
    </FormModal>
  );
}

function sourceText(r: Relocation): string {
  if (r.scope === 'address') return r.source.address ?? '';
  if (r.scope === 'pool') return `every tenant address of ${r.source.pool?.prefix ?? 'a pool'}`;
  return `service ${r.source.service_id?.slice(0, 8) ?? ''}${r.source.pool ? ` in ${r.source.pool.prefix}` : ''}`;
}

function Moves({ id }: { id: string }) {
  const detail = useRelocation(id);
  if (detail.isError) return <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />;
  const moves: Move[] | undefined = detail.data?.moves;
  if (!moves) return <LoadingRows rows={1} />;
  return (
    <Table verticalSpacing={4} fz="sm">
      <Table.Thead><Table.Tr><Table.Th>Organization</Table.Th><Table.Th>Service</Table.Th><Table.Th>Old address</Table.Th><Table.Th>New address</Table.Th><Table.Th>State</Table.Th></Table.Tr></Table.Thead>
      <Table.Tbody>
        {moves.map((m) => (
          <Table.Tr key={m.id} data-move={m.old_address}>
            <Table.Td>{m.organization_name}</Table.Td>
            <Table.Td>{m.service_name}</Table.Td>
            <Table.Td><Anchor component={Link} href={`/lookup?address=${encodeURIComponent(m.old_address)}`} ff="monospace">{m.old_address}</Anchor></Table.Td>
            <Table.Td><Anchor component={Link} href={`/lookup?address=${encodeURIComponent(m.new_address)}`} ff="monospace">{m.new_address}</Anchor></Table.Td>
            <Table.Td>{m.state === 'released' ? `released ${formatAgo(m.released_at)}` : 'both answer'}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function RelocationsView() {
  const params = useSearchParams();
  const initialAddress = params.get('address') ?? '';
  const relocations = useRelocations();
  const [creating, setCreating] = useState(Boolean(initialAddress));
  const [shortening, setShortening] = useState<Relocation | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const rows = [...(relocations.data ?? [])].reverse();
  return (
    <>
      <PageHeader title="Relocations" description="Moving tenants' addresses to another pool with notice: the new address answers at once, the old one until the notice ends." actions={<Button onClick={() => setCreating(true)}>Relocate addresses</Button>} />
      <CreateRelocationDialog opened={creating} onClose={() => setCreating(false)} initialAddress={initialAddress} />
      <ShortenDialog relocation={shortening} onClose={() => setShortening(null)} />
      <Card>
        {relocations.isPending && <LoadingRows rows={3} />}
        {relocations.isError && <ErrorState error={relocations.error} onRetry={() => void relocations.refetch()} />}
        {relocations.data && (rows.length === 0 ? <EmptyState title="No relocation yet" action={<Button onClick={() => setCreating(true)}>Relocate addresses</Button>}>Move an address, a service or a whole pool's tenants to another pool, with notice.</EmptyState> : (
          <Table verticalSpacing="sm">
            <Table.Thead><Table.Tr><Table.Th>Moving</Table.Th><Table.Th>To</Table.Th><Table.Th>Reason</Table.Th><Table.Th>Notice ends</Table.Th><Table.Th>Progress</Table.Th><Table.Th><VisuallyHidden>Actions</VisuallyHidden></Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {rows.map((r) => {
                const pct = r.progress.moves ? (100 * r.progress.released) / r.progress.moves : 0;
                return [
                  <Table.Tr key={r.id} data-relocation={r.source.address ?? r.source.pool?.prefix ?? r.id} data-status={r.status}>
                    <Table.Td><Text size="sm" ff={r.scope === 'address' ? 'monospace' : undefined}>{sourceText(r)}</Text></Table.Td>
                    <Table.Td><Anchor component={Link} href={`/pools/${r.target_pool.id}`} ff="monospace">{r.target_pool.prefix}</Anchor></Table.Td>
                    <Table.Td><Text size="sm" lineClamp={2}>{r.reason}</Text>{r.shortened_reason && <Text size="xs" c="dimmed">Shortened: {r.shortened_reason}</Text>}</Table.Td>
                    <Table.Td><Text size="sm">{when(r.notice_ends_at)}</Text></Table.Td>
                    <Table.Td miw={180}>
                      <Group gap="xs" mb={4}><ToneBadge tone={r.status === 'completed' ? 'green' : 'yellow'} data-status={r.status}>{r.status === 'completed' ? 'completed' : 'under notice'}</ToneBadge><Text size="xs">{r.progress.released} of {r.progress.moves} released</Text></Group>
                      <Progress value={pct} size="sm" aria-label={`${r.progress.released} of ${r.progress.moves} old addresses released`} />
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs" justify="flex-end" wrap="nowrap">
                        <Button size="xs" variant="default" onClick={() => setOpen(open === r.id ? null : r.id)} aria-expanded={open === r.id} aria-label={`Moves of the relocation of ${sourceText(r)}`}>{r.progress.moves} move{r.progress.moves === 1 ? '' : 's'}</Button>
                        {r.status === 'notice' && <Button size="xs" variant="default" onClick={() => setShortening(r)} aria-label={`Shorten the notice of ${sourceText(r)}`}>Shorten</Button>}
                      </Group>
                    </Table.Td>
                  </Table.Tr>,
                  open === r.id && <Table.Tr key={`${r.id}-moves`}><Table.Td colSpan={6}><Stack gap={0}><Moves id={r.id} /></Stack></Table.Td></Table.Tr>,
                ];
              })}
            </Table.Tbody>
          </Table>
        ))}
      </Card>
    </>
  );
}
