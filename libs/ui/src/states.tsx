'use client';
import { Alert, Button, Center, Skeleton, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** Nothing here yet: says what would be here and offers the first step. */
export function EmptyState({ title, children, action, icon }: { title: string; children?: ReactNode; action?: ReactNode; icon?: ReactNode }) {
  return (
    <Center py={56}>
      <Stack align="center" gap="xs" maw={460} ta="center">
        {icon && <ThemeIcon size={52} radius="xl" variant="light">{icon}</ThemeIcon>}
        <Title order={3}>{title}</Title>
        {children && <Text c="dimmed">{children}</Text>}
        {action && <div style={{ marginTop: 8 }}>{action}</div>}
      </Stack>
    </Center>
  );
}

/** A failed load: what failed, the API's words, and a retry. */
export function ErrorState({ title = 'Could not load this', error, onRetry }: { title?: string; error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <Alert color="red" variant="light" title={title} role="alert">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{message}</Text>
        {onRetry && <Button size="xs" variant="white" color="red" onClick={onRetry}>Try again</Button>}
      </Stack>
    </Alert>
  );
}

/** Placeholder rows while a list loads (the layout does not jump when data arrives). */
export function LoadingRows({ rows = 3, height = 44 }: { rows?: number; height?: number }) {
  return (
    <Stack gap="xs" role="status" aria-busy="true" aria-label="Loading">
      {Array.from({ length: rows }, (_, i) => <Skeleton key={i} height={height} radius="sm" />)}
    </Stack>
  );
}
