'use client';
import { Box, Center, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Logo } from './logo';

/** The frame of the signed-out pages: brand, a card, a line under it. */
export function AuthShell({ title, subtitle, children, footer, product }: { title: string; subtitle: string; children: ReactNode; footer?: ReactNode; product?: string }) {
  return (
    <Box mih="100vh" style={{ background: 'linear-gradient(160deg, #0b2a5b 0%, #0f5dca 55%, #5b9bf0 100%)' }}>
      <Center mih="100vh" p="md">
        <Stack w={420} gap="lg">
          <Group justify="center"><Logo inverted product={product} /></Group>
          <Paper radius="lg" p="xl" shadow="xl" component="main">
            <Stack gap={4} mb="lg">
              <Title order={1} size="h2">{title}</Title>
              <Text c="dimmed" size="sm">{subtitle}</Text>
            </Stack>
            {children}
          </Paper>
          {footer && <Text ta="center" size="sm" c="white">{footer}</Text>}
        </Stack>
      </Center>
    </Box>
  );
}
