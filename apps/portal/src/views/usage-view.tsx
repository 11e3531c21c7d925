'use client';
import { BarChart } from '@mantine/charts';
import { Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import Link from 'next/link';
import { EmptyState, ErrorState, LoadingRows, formatBytes, formatCount, PageHeader } from '@anyfront/ui';
import { useUsage } from '../lib/queries';

export function UsageView() {
  const usage = useUsage();
  const rows = (usage.data?.hours ?? []).map((h) => ({ hour: new Date(h.hour).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit' }), bytes: h.bytes }));
  return (
    <>
      <PageHeader title="Usage" description="Traffic carried for your organization, all services, per hour (the API's default period: the last 24 hours)." />
      {usage.isPending && <Card><LoadingRows rows={3} /></Card>}
      {usage.isError && <ErrorState error={usage.error} onRetry={() => void usage.refetch()} />}
      {usage.data && (
        <Stack gap="lg">
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Card><Text size="sm" c="dimmed">Traffic</Text><Title order={2}>{formatBytes(usage.data.total.bytes)}</Title></Card>
            <Card><Text size="sm" c="dimmed">Packets</Text><Title order={2}>{formatCount(usage.data.total.packets)}</Title></Card>
            <Card><Text size="sm" c="dimmed">Period</Text><Text fw={600} mt={6}>{new Date(usage.data.from).toLocaleString()} – {new Date(usage.data.to).toLocaleString()}</Text></Card>
          </SimpleGrid>
          <Card>
            <Group justify="space-between" mb="sm"><Title order={2} size="h4">Traffic per hour</Title></Group>
            {rows.length === 0
              ? <EmptyState title="No traffic yet">Hours with traffic appear here once clients reach your services.</EmptyState>
              : <BarChart h={260} data={rows} dataKey="hour" series={[{ name: 'bytes', label: 'Bytes', color: 'brand.6' }]} valueFormatter={(v: number) => formatBytes(v)} gridAxis="y" tickLine="none" yAxisProps={{ width: 70 }} />}
          </Card>
          <Card>
            <Group justify="space-between">
              <Stack gap={2}>
                <Title order={2} size="h4">Billing</Title>
                <Text size="sm" c="dimmed">The invoice preview of this month, rated from this traffic and your address time, and past invoices.</Text>
              </Stack>
              <Button component={Link} href="/billing" variant="light">Open billing</Button>
            </Group>
          </Card>
        </Stack>
      )}
    </>
  );
}
