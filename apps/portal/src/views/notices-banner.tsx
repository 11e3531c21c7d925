'use client';
import { Alert, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../lib/api';

/** Open notices (address relocations) above every page: what changes, and by when. */
export function NoticesBanner() {
  const notices = useQuery({ queryKey: ['notices'], queryFn: () => ok(api.GET('/v1/notices')), refetchInterval: 60_000 });
  const open = (notices.data?.data ?? []).filter((n) => n.state === 'open');
  if (!open.length) return null;
  return (
    <Stack gap="xs" mb="lg" data-testid="notices">
      {open.map((n) => (
        <Alert key={n.id} color="yellow" variant="light" title={`Address ${n.old_address} is moving to ${n.new_address}`} data-notice={n.old_address}>
          <Text size="sm">{n.message}</Text>
          <Text size="xs" c="dimmed" mt={4}>Deadline {n.deadline.slice(0, 16).replace('T', ' ')} UTC · service {n.service_name} · reason: {n.reason}</Text>
        </Alert>
      ))}
    </Stack>
  );
}
