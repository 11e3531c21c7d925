'use client';
import { Badge, type MantineColor } from '@mantine/core';
import type { ReactNode } from 'react';

// Every status word of the API (service, deploy, health) to one colour, so a status reads the same
// on every page of the portal and the console.
const colours: Record<string, MantineColor> = {
  active: 'teal', deployed: 'teal', healthy: 'teal', verified: 'teal',
  pending: 'gray', unknown: 'gray', no_edge_nodes: 'gray',
  deploying: 'blue',
  waiting_for_capacity: 'yellow', waiting_for_verified_backend: 'yellow', waiting_for_healthy_backend: 'yellow', degraded: 'yellow', deleting: 'orange',
  failed: 'red', down: 'red', unhealthy: 'red', deleted: 'gray', revoked: 'gray',
  past_due: 'yellow', suspended: 'red', issued: 'blue', paid: 'teal', open: 'blue', draft: 'gray', void: 'gray', uncollectible: 'red',
};

// Text on the light badge background, dark enough for WCAG AA (4.5:1) at badge size.
const ink: Record<string, string> = { teal: '#066649', gray: '#343a40', blue: '#1659a0', yellow: '#7c5400', orange: '#a33f00', red: '#b42318' };

export function statusLabel(status: string): string {
  return status.replace(/_/g, ' ');
}

export function StatusBadge({ status, size = 'sm' }: { status: string; size?: 'xs' | 'sm' | 'md' | 'lg' }) {
  return <ToneBadge tone={colours[status] ?? 'gray'} size={size} data-status={status}>{statusLabel(status)}</ToneBadge>;
}

/** A light badge in one of the status tones, its text dark enough to read (WCAG AA). */
// minWidth: a badge is one or two words; a narrow table column must grow, never cut it to "WIT…".
export function ToneBadge({ tone, size = 'sm', children, ...data }: { tone: MantineColor; size?: 'xs' | 'sm' | 'md' | 'lg'; children: ReactNode } & Record<`data-${string}`, string>) {
  return (
    <Badge color={tone} variant="light" size={size} radius="sm" {...data} style={{ '--badge-color': ink[tone] ?? ink.gray, minWidth: 'max-content' }}>
      {children}
    </Badge>
  );
}
