'use client';
import { Badge, type MantineColor } from '@mantine/core';

// Every status word of the API (service, deploy, health) to one colour, so a status reads the same
// on every page of the portal and the console.
const colours: Record<string, MantineColor> = {
  active: 'teal', deployed: 'teal', healthy: 'teal',
  pending: 'gray', unknown: 'gray', no_edge_nodes: 'gray',
  deploying: 'blue',
  waiting_for_capacity: 'yellow', degraded: 'yellow', deleting: 'orange',
  failed: 'red', down: 'red', unhealthy: 'red', deleted: 'gray', revoked: 'gray',
};

export function statusLabel(status: string): string {
  return status.replace(/_/g, ' ');
}

export function StatusBadge({ status, size = 'sm' }: { status: string; size?: 'xs' | 'sm' | 'md' | 'lg' }) {
  return (
    <Badge color={colours[status] ?? "gray"} c={`${colours[status] ?? "gray"}.9`} variant="light" size={size} radius="sm" data-status={status}>
      {statusLabel(status)}
    </Badge>
  );
}
