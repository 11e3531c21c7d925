'use client';
import { Badge, Button, Card, Code, Group, Select, Table, Text, TextInput } from '@mantine/core';
import { EmptyState, ErrorState, LoadingRows, PageHeader } from '@anyfront/ui';
import { useMemo, useState } from 'react';
import { useAuditLog } from '../lib/queries';

const WINDOWS = [{ value: '1', label: 'Last hour' }, { value: '24', label: 'Last 24 hours' }, { value: '168', label: 'Last 7 days' }, { value: '720', label: 'Last 30 days' }];

/** Who changed what: filter by organization, action, actor and time; newest first. */
export function AuditLogView() {
  const [hours, setHours] = useState('24');
  const [draft, setDraft] = useState({ organization_id: '', action: '', actor_user_id: '' });
  const [applied, setApplied] = useState(draft);
  // The window is fixed when it is chosen, so the query key (and the list) stays stable between renders.
  const since = useMemo(() => new Date(Date.now() - Number(hours) * 3600_000).toISOString(), [hours, applied]);
  const log = useAuditLog({ since, ...Object.fromEntries(Object.entries(applied).filter(([, v]) => v.trim()).map(([k, v]) => [k, v.trim()])) });
  const rows = useMemo(() => [...(log.data ?? [])].reverse(), [log.data]);
  return (
    <>
      <PageHeader title="Audit log" description="Every change by operators, tenants and the system, with who did it." />
      <Card>
        <form onSubmit={(e) => { e.preventDefault(); setApplied(draft); }}>
          <Group mb="md" align="flex-end" wrap="wrap">
            <Select label="When" data={WINDOWS} value={hours} onChange={(v) => setHours(v ?? '24')} allowDeselect={false} w={160} />
            <TextInput label="Action" placeholder="organization.suspend" value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.currentTarget.value })} w={220} />
            <TextInput label="Organization id" placeholder="uuid" value={draft.organization_id} onChange={(e) => setDraft({ ...draft, organization_id: e.currentTarget.value })} w={300} ff="monospace" />
            <TextInput label="Actor (user id)" placeholder="uuid" value={draft.actor_user_id} onChange={(e) => setDraft({ ...draft, actor_user_id: e.currentTarget.value })} w={300} ff="monospace" />
            <Button type="submit" variant="default">Filter</Button>
          </Group>
        </form>
        {log.isPending && <LoadingRows rows={5} />}
        {log.isError && <ErrorState error={log.error} onRetry={() => void log.refetch()} />}
        {log.data && (rows.length === 0 ? <EmptyState title="Nothing in this window">Widen the time window or clear a filter.</EmptyState> : (
          <Table verticalSpacing="xs" data-testid="audit-log">
            <Table.Thead><Table.Tr><Table.Th>When</Table.Th><Table.Th>Action</Table.Th><Table.Th>Target</Table.Th><Table.Th>Actor</Table.Th><Table.Th>Details</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {rows.slice(0, 500).map((e) => (
                <Table.Tr key={e.id} data-action={e.action}>
                  <Table.Td><Text size="sm" style={{ whiteSpace: 'nowrap' }}>{new Date(e.created_at).toLocaleString()}</Text></Table.Td>
                  <Table.Td><Badge variant="light" color="gray" tt="none">{e.action}</Badge></Table.Td>
                  <Table.Td><Text size="sm">{e.target_type}</Text><Text size="xs" c="dimmed" ff="monospace">{e.target_id ?? ''}</Text></Table.Td>
                  <Table.Td><Text size="sm">{e.actor_credential}</Text><Text size="xs" c="dimmed" ff="monospace">{e.actor_user_id ?? ''}</Text></Table.Td>
                  <Table.Td maw={380}><Code block tabIndex={0} aria-label={`Details of ${e.action}`} style={{ maxHeight: 90, overflow: 'auto', fontSize: 11 }}>{JSON.stringify(e.details)}</Code></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ))}
      </Card>
    </>
  );
}
