'use client';
import { Anchor, Button, Card, Group, Stack, Table, Text } from '@mantine/core';
import { EmptyState, ErrorState, LoadingRows, StatusBadge, TrafficSparkline, formatBytes, PageHeader } from '@anyfront/ui';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { api, ok, type Schemas } from '../lib/api';
import { useServices } from '../lib/queries';

type Service = Schemas['ServiceDto'];

/** Last 12 hours of traffic of one service, hourly (the sparkline and the total beside it). */
function ServiceTraffic({ id, name }: { id: string; name: string }) {
  const q = useQuery({
    queryKey: ['services', id, 'sparkline'],
    queryFn: () => ok(api.GET('/v1/services/{id}/traffic', { params: { path: { id }, query: { step: '1h', from: new Date(Date.now() - 12 * 3600_000).toISOString() } } })),
    refetchInterval: 60_000,
  });
  const byT = new Map<string, number>();
  for (const s of q.data?.series ?? []) for (const p of s.points) byT.set(p.t, (byT.get(p.t) ?? 0) + p.bytes);
  const values = [...byT.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v);
  return (
    <Group gap="sm" wrap="nowrap">
      <TrafficSparkline values={values} label={`Traffic of ${name} over the last 12 hours`} />
      <Text size="xs" c="dimmed" w={64}>{q.data ? formatBytes(q.data.total.bytes) : '…'}</Text>
    </Group>
  );
}

function DeployCell({ id }: { id: string }) {
  const q = useQuery({ queryKey: ['services', id, 'deployment'], queryFn: () => ok(api.GET('/v1/services/{id}/deployment', { params: { path: { id } } })), refetchInterval: 5_000 });
  if (!q.data) return <Text size="xs" c="dimmed">…</Text>;
  return (
    <Group gap={6} wrap="nowrap">
      <StatusBadge status={q.data.status} />
      <Text size="xs" c="dimmed">{q.data.edge_nodes_deployed}/{q.data.edge_nodes} edges</Text>
    </Group>
  );
}

export function ServicesView() {
  const services = useServices(true);
  const list: Service[] = (services.data ?? []).filter((s) => s.status !== 'deleted');
  return (
    <>
      <PageHeader
        title="Services"
        description="Each service gets anycast addresses announced from every point of presence; traffic is carried to your backends."
        actions={list.length > 0 && <Button component={Link} href="/services/new">New service</Button>}
      />
      {services.isPending && <Card><LoadingRows rows={4} /></Card>}
      {services.isError && <ErrorState title="Could not load your services" error={services.error} onRetry={() => void services.refetch()} />}
      {services.data && list.length === 0 && (
        <Card>
          <EmptyState
            title="Put your first service on anycast"
            action={<Button component={Link} href="/services/new" size="md">Create a service</Button>}
            icon={<svg width="26" height="26" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" aria-hidden="true"><circle cx="12" cy="12" r="3" /><path d="M12 2v4M12 18v4M2 12h4M18 12h4" /></svg>}
          >
            Name it, add the servers that answer (your backends), run one command on each, and clients
            reach it on the same addresses from every point of presence. It takes a few minutes.
          </EmptyState>
        </Card>
      )}
      {list.length > 0 && (
        <Card p={0}>
          <Table.ScrollContainer minWidth={860}>
            <Table verticalSpacing="md" horizontalSpacing="lg" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Service</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Addresses</Table.Th>
                  <Table.Th>Deployment</Table.Th>
                  <Table.Th>Traffic, 12 h</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((s) => (
                  <Table.Tr key={s.id} data-service={s.name}>
                    <Table.Td>
                      <Stack gap={2}>
                        <Anchor component={Link} href={`/services/${s.id}`} fw={600}>{s.name}</Anchor>
                        <Text size="xs" c="dimmed">{s.listeners.map((l) => `${l.protocol}/${l.ports}`).join(', ')} · {s.encapsulation}</Text>
                      </Stack>
                    </Table.Td>
                    <Table.Td><StatusBadge status={s.status} /></Table.Td>
                    <Table.Td>
                      <Stack gap={2}>
                        {s.addresses.length === 0 && <Text size="xs" c="dimmed">assigning…</Text>}
                        {s.addresses.map((a) => <Text key={a.address} size="sm" ff="monospace">{a.address}</Text>)}
                      </Stack>
                    </Table.Td>
                    <Table.Td><DeployCell id={s.id} /></Table.Td>
                    <Table.Td><ServiceTraffic id={s.id} name={s.name} /></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
    </>
  );
}
