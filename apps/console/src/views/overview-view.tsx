'use client';
import { Anchor, Card, Group, Progress, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { EmptyState, ErrorState, LoadingRows, PageHeader, StatusBadge, ToneBadge, formatAgo } from '@anyfront/ui';
import Link from 'next/link';
import { useFleetNodes, useOverview, usePools } from '../lib/queries';
import { fleetByPop, HEALTH_COLOUR, type NodeHealth } from './fleet-health';

const WORDS: NodeHealth[] = ['up', 'lagging', 'withdrawn', 'silent', 'drained', 'unregistered'];

/** Fleet health per PoP, pool utilization and everything that waits for an operator, each a link to its detail. */
export function OverviewView() {
  const nodes = useFleetNodes();
  const pools = usePools();
  const overview = useOverview();
  const o = overview.data;
  return (
    <>
      <PageHeader title="Overview" description="The fleet per PoP, how full the pools are, and what needs an operator now." />
      <Stack gap="lg">
        <Card>
          <Title order={2} size="h4" mb="sm">Fleet health</Title>
          {nodes.isPending && <LoadingRows rows={2} />}
          {nodes.isError && <ErrorState error={nodes.error} onRetry={() => void nodes.refetch()} />}
          {nodes.data && (nodes.data.length === 0
            ? <EmptyState title="No edge nodes yet">Create a PoP and its edge nodes, then give each agent a bootstrap token.</EmptyState>
            : (
              <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
                {fleetByPop(nodes.data).map((p) => (
                  <Card key={p.popId} withBorder padding="md" data-pop={p.popCode}>
                    <Group justify="space-between" mb={6}>
                      <Anchor component={Link} href={`/edge-nodes#pop-${p.popCode}`} fw={700} tt="uppercase">{p.popCode}</Anchor>
                      <Text size="xs" c="dimmed">{p.nodes.length} node{p.nodes.length === 1 ? '' : 's'}</Text>
                    </Group>
                    <Group gap={6}>
                      {WORDS.filter((w) => p.counts[w] > 0).map((w) => <ToneBadge key={w} tone={HEALTH_COLOUR[w]} data-health={w}>{`${p.counts[w]} ${w}`}</ToneBadge>)}
                    </Group>
                  </Card>
                ))}
              </SimpleGrid>
            ))}
        </Card>
        <Card>
          <Title order={2} size="h4" mb="sm">Pool utilization</Title>
          {pools.isPending && <LoadingRows rows={2} />}
          {pools.isError && <ErrorState error={pools.error} onRetry={() => void pools.refetch()} />}
          {pools.data && (pools.data.length === 0
            ? <EmptyState title="No pools yet">A pool is a prefix announced from a set of PoPs; services get their addresses from it.</EmptyState>
            : (
              <Stack gap="sm">
                {pools.data.map((p) => {
                  const u = p.utilization;
                  const used = u.capacity > 0 ? (100 * (u.assigned + u.quarantined)) / u.capacity : 0;
                  return (
                    <Group key={p.id} wrap="nowrap" gap="md">
                      <Anchor component={Link} href={`/pools/${p.id}`} ff="monospace" w={200}>{p.prefix}</Anchor>
                      <Progress.Root size="lg" style={{ flex: 1 }}>
                        <Progress.Section value={u.capacity > 0 ? (100 * u.assigned) / u.capacity : 0} color="brand" aria-label={`${p.prefix}: assigned`} />
                        <Progress.Section value={u.capacity > 0 ? (100 * u.quarantined) / u.capacity : 0} color="yellow" aria-label={`${p.prefix}: quarantined`} />
                      </Progress.Root>
                      <Text size="sm" w={300} ta="right">{p.family === 4 ? `${u.assigned} assigned, ${u.quarantined} quarantined, ${u.free} free` : `${u.assigned} assigned (IPv6)`}</Text>
                      <Text size="sm" fw={600} w={48} ta="right">{p.family === 4 ? `${Math.round(used)}%` : ''}</Text>
                    </Group>
                  );
                })}
              </Stack>
            ))}
        </Card>
        {overview.isError && <ErrorState error={overview.error} onRetry={() => void overview.refetch()} />}
        {o && (
          <SimpleGrid cols={{ base: 1, lg: 2 }}>
            <Card>
              <Title order={2} size="h4" mb="sm">Failed deploys</Title>
              {o.failed_deploys.length === 0 ? <Text c="dimmed" size="sm">Every edge runs every service it should.</Text> : (
                <Table verticalSpacing="xs">
                  <Table.Thead><Table.Tr><Table.Th>Service</Table.Th><Table.Th>Edge</Table.Th><Table.Th>Why</Table.Th></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {o.failed_deploys.map((f) => (
                      <Table.Tr key={`${f.service_id}-${f.edge_node_id}`} data-failed-service={f.service_id}>
                        <Table.Td><Text size="sm" fw={500}>{f.service_name}</Text><Anchor component={Link} href={`/organizations?search=${encodeURIComponent(f.organization_name)}`} size="xs">{f.organization_name}</Anchor></Table.Td>
                        <Table.Td><Anchor component={Link} href={`/edge-nodes#node-${f.edge_node_id}`} size="sm">{f.edge_node_name}</Anchor><Text size="xs" c="dimmed" tt="uppercase">{f.pop_code}</Text></Table.Td>
                        <Table.Td><Text size="sm">{f.reason}</Text></Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Card>
            <Card>
              <Title order={2} size="h4" mb="sm">Waiting for capacity</Title>
              {o.waiting_services.length === 0 ? <Text c="dimmed" size="sm">No service is waiting for a free slot.</Text> : (
                <Table verticalSpacing="xs">
                  <Table.Thead><Table.Tr><Table.Th>Service</Table.Th><Table.Th>Organization</Table.Th><Table.Th>Since</Table.Th></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {o.waiting_services.map((w) => (
                      <Table.Tr key={w.id}>
                        <Table.Td><Text size="sm" fw={500}>{w.name}</Text>{w.reason && <Text size="xs" c="dimmed">{w.reason}</Text>}</Table.Td>
                        <Table.Td><Anchor component={Link} href={`/organizations?search=${encodeURIComponent(w.organization_name)}`} size="sm">{w.organization_name}</Anchor></Table.Td>
                        <Table.Td><Text size="sm">{formatAgo(w.since)}</Text></Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Card>
            <Card>
              <Title order={2} size="h4" mb="sm">Organizations past due or suspended</Title>
              {o.organizations_needing_attention.length === 0 ? <Text c="dimmed" size="sm">Every organization is in good standing.</Text> : (
                <Table verticalSpacing="xs">
                  <Table.Tbody>
                    {o.organizations_needing_attention.map((a) => (
                      <Table.Tr key={a.id}>
                        <Table.Td><Anchor component={Link} href={`/organizations?search=${encodeURIComponent(a.name)}`} size="sm">{a.name}</Anchor></Table.Td>
                        <Table.Td><StatusBadge status={a.billing_status} /></Table.Td>
                        <Table.Td><Text size="sm" c="dimmed">{a.grace_until ? `grace until ${new Date(a.grace_until).toLocaleString()}` : formatAgo(a.since)}</Text></Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Card>
          </SimpleGrid>
        )}
      </Stack>
    </>
  );
}
