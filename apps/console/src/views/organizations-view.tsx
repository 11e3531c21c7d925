'use client';
import { Alert, Badge, Button, Card, Group, Modal, NumberInput, SimpleGrid, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { EmptyState, ErrorState, LoadingRows, PageHeader, StatusBadge, problemFieldErrors, problemMessage, useHeld } from '@anyfront/ui';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useState } from 'react';
import { api, ok, type Schemas } from '../lib/api';
import { useOrganizations } from '../lib/queries';

type Org = Schemas['OrganizationSummaryDto'];
const QUOTA_KEYS = ['services', 'ipv4_addresses', 'backends_per_service', 'backends_per_organization', 'api_keys'] as const;
type QuotaKey = (typeof QUOTA_KEYS)[number];
const QUOTA_LABEL: Record<QuotaKey, string> = { services: 'Services', ipv4_addresses: 'IPv4 addresses', backends_per_service: 'Backends per service', backends_per_organization: 'Backends per organization', api_keys: 'API keys' };

/** Suspend (withdraws every service of the organization from the fleet) or restore, with a reason for the audit log. */
function HoldDialog({ org: opened, onClose }: { org: Org | null; onClose: () => void }) {
  const qc = useQueryClient();
  const org = useHeld(opened);
  const suspending = org?.billing_status !== 'suspended';
  const [error, setError] = useState<string | null>(null);
  const form = useForm({ initialValues: { reason: '' }, validate: { reason: (v) => (v.trim().length >= 3 ? null : 'Say why (at least 3 characters); it goes to the audit log') } });
  const close = () => { form.reset(); setError(null); onClose(); };
  const submit = form.onSubmit(async ({ reason }) => {
    if (!org) return;
    setError(null);
    const args = { params: { path: { id: org.id } }, body: { reason: reason.trim() } };
    const r = suspending ? await api.POST('/v1/admin/organizations/{id}/suspend', args) : await api.POST('/v1/admin/organizations/{id}/unsuspend', args);
    if (r.error) {
      const { fields } = problemFieldErrors(r.error, ['reason']);
      form.setErrors(fields);
      if (!Object.keys(fields).length) setError(problemMessage(r.error, 'Failed'));
      return;
    }
    await qc.invalidateQueries({ queryKey: ['organizations'] });
    await qc.invalidateQueries({ queryKey: ['overview'] });
    close();
  });
  return (
    <Modal opened={Boolean(opened)} onClose={close} title={org ? `${suspending ? 'Suspend' : 'Restore'} ${org.name}?` : ''} centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text size="sm">{suspending
            ? `Every service of ${org?.name} (${org?.services ?? 0}) is withdrawn from every edge within seconds; its addresses stay reserved. New services and backends are refused until it is restored.`
            : `The services of ${org?.name} are published to the fleet again and answer within seconds.`}</Text>
          {error && <Alert color="red" role="alert">{error}</Alert>}
          <Textarea label="Reason" description="Kept in the audit log; shown to the organization for a suspension" autosize minRows={2} {...form.getInputProps('reason')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>Cancel</Button>
            <Button type="submit" color={suspending ? 'red.8' : 'brand'} loading={form.submitting}>{suspending ? 'Suspend' : 'Restore'}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Quotas: what the organization holds against each limit, and the operator's overrides (empty = back to the default). */
function QuotasDialog({ org: opened, onClose }: { org: Org | null; onClose: () => void }) {
  const org = useHeld(opened);
  const quotas = useQuery({ queryKey: ['quotas', org?.id], queryFn: () => ok(api.GET('/v1/admin/organizations/{id}/quotas', { params: { path: { id: org?.id ?? '' } } })), enabled: Boolean(org) });
  const [values, setValues] = useState<Partial<Record<QuotaKey, number | ''>>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!quotas.data) return;
    const q = quotas.data.quotas;
    setValues(Object.fromEntries(QUOTA_KEYS.map((k) => [k, q[k].source === 'override' ? q[k].limit : ''])));
  }, [quotas.data]);
  const save = async () => {
    if (!org) return;
    setBusy(true);
    setErrors({});
    const body = Object.fromEntries(QUOTA_KEYS.map((k) => [k, values[k] === '' || values[k] === undefined ? null : values[k]]));
    const r = await api.PATCH('/v1/admin/organizations/{id}/quotas', { params: { path: { id: org.id } }, body });
    setBusy(false);
    if (r.error) return setErrors(problemFieldErrors(r.error).fields);
    onClose();
  };
  return (
    <Modal opened={Boolean(opened)} onClose={onClose} title={org ? `Quotas of ${org.name}` : ''} centered size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
      {quotas.isPending && <LoadingRows rows={5} height={30} />}
      {quotas.data && (
        <Stack>
          <SimpleGrid cols={2}>
            {QUOTA_KEYS.map((k) => {
              const q = quotas.data.quotas[k];
              return (
                <NumberInput key={k} label={QUOTA_LABEL[k]} description={`uses ${q.used}; ${q.source === 'override' ? 'override' : `${q.source} limit ${q.limit}`}`} placeholder={`${q.limit} (${q.source})`} min={0} max={1_000_000} allowDecimal={false} value={values[k] ?? ''} onChange={(v) => setValues((s) => ({ ...s, [k]: typeof v === 'number' ? v : '' }))} error={errors[k]} />
              );
            })}
          </SimpleGrid>
          <Text size="xs" c="dimmed">Leave a field empty to return to the plan's limit.</Text>
          <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button><Button loading={busy} onClick={() => void save()}>Save quotas</Button></Group>
        </Stack>
      )}
    </Modal>
  );
}

export function OrganizationsView() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const search = params.get('search') ?? '';
  const [input, setInput] = useState(search);
  useEffect(() => setInput(search), [search]);
  const orgs = useOrganizations(search);
  const [hold, setHold] = useState<Org | null>(null);
  const [quotas, setQuotas] = useState<Org | null>(null);
  return (
    <>
      <PageHeader title="Organizations" description="Every tenant: plan, billing standing, what it holds. Suspend one (its services leave the fleet) or change its quotas." />
      <HoldDialog org={hold} onClose={() => setHold(null)} />
      <QuotasDialog org={quotas} onClose={() => setQuotas(null)} />
      <Card>
        <form onSubmit={(e) => { e.preventDefault(); router.replace(input.trim() ? `${pathname}?search=${encodeURIComponent(input.trim())}` : pathname); }}>
          <Group mb="md" align="flex-end"><TextInput label="Search by name" value={input} onChange={(e) => setInput(e.currentTarget.value)} w={320} /><Button type="submit" variant="default">Search</Button></Group>
        </form>
        {orgs.isPending && <LoadingRows rows={4} />}
        {orgs.isError && <ErrorState error={orgs.error} onRetry={() => void orgs.refetch()} />}
        {orgs.data && (orgs.data.length === 0 ? <EmptyState title={search ? `No organization matches "${search}"` : 'No organizations yet'} /> : (
          <Table verticalSpacing="sm" highlightOnHover>
            <Table.Thead><Table.Tr><Table.Th>Organization</Table.Th><Table.Th>Plan</Table.Th><Table.Th>Standing</Table.Th><Table.Th ta="right">Services</Table.Th><Table.Th ta="right">IPv4</Table.Th><Table.Th ta="right">Members</Table.Th><Table.Th /></Table.Tr></Table.Thead>
            <Table.Tbody>
              {orgs.data.map((o) => (
                <Table.Tr key={o.id} data-organization={o.name}>
                  <Table.Td><Text fw={600} size="sm">{o.name}</Text><Text size="xs" c="dimmed">since {new Date(o.created_at).toLocaleDateString()}</Text></Table.Td>
                  <Table.Td><Badge variant="outline" color="gray" tt="capitalize">{o.plan}</Badge></Table.Td>
                  <Table.Td><StatusBadge status={o.billing_status} /></Table.Td>
                  <Table.Td ta="right">{o.services}</Table.Td>
                  <Table.Td ta="right">{o.ipv4_addresses}</Table.Td>
                  <Table.Td ta="right">{o.members}</Table.Td>
                  <Table.Td>
                    <Group gap={6} justify="flex-end" wrap="nowrap">
                      <Button size="xs" variant="default" onClick={() => setQuotas(o)}>Quotas</Button>
                      <Button size="xs" variant="light" color={o.billing_status === 'suspended' ? 'brand' : 'red'} onClick={() => setHold(o)} aria-label={`${o.billing_status === 'suspended' ? 'Restore' : 'Suspend'} ${o.name}`}>{o.billing_status === 'suspended' ? 'Restore' : 'Suspend'}</Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ))}
      </Card>
    </>
  );
}
