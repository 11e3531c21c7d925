'use client';
import { AppShell, Avatar, Box, Burger, Button, Center, Group, Loader, Menu, NavLink, Stack, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { AuthShell, Logo } from '@anyfront/ui';
import { useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { api } from '../lib/api';
import { useMe } from '../lib/queries';

const nav = [
  { href: '/overview', label: 'Overview', icon: 'M3 12l9-8 9 8M5 10v10h14V10' },
  { href: '/pools', label: 'Pools and slots', icon: 'M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z' },
  { href: '/lookup', label: 'Address lookup', icon: 'M11 18a7 7 0 1 1 0-14 7 7 0 0 1 0 14zM21 21l-5-5' },
  { href: '/edge-nodes', label: 'PoPs and edge nodes', icon: 'M12 3v18M3 12h18M5 5l14 14' },
  { href: '/organizations', label: 'Organizations', icon: 'M3 21V7l9-4 9 4v14M9 21v-6h6v6' },
  { href: '/audit-log', label: 'Audit log', icon: 'M6 3h9l4 4v14H6zM9 12h7M9 16h7M9 8h3' },
];

const Icon = ({ d }: { d: string }) => (
  <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true"><path d={d} /></svg>
);

/** The operator console's frame; anyone who is not an operator is turned away here (the API refuses them too). */
export function ConsoleFrame({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const pathname = usePathname();
  const router = useRouter();
  const qc = useQueryClient();
  const me = useMe();
  const logout = async () => {
    await api.POST('/v1/auth/logout');
    qc.clear();
    router.replace('/login');
  };
  if (!me.data) return <Center mih="100vh"><Loader aria-label="Loading your account" /></Center>;
  if (me.data.role !== 'operator') {
    return (
      <AuthShell title="Operators only" subtitle="This console runs the anycast pools and the edge fleet. Your account is not an operator account." product="Console">
        <Stack>
          <Text size="sm">Signed in as {me.data.user?.email ?? 'an API key'}. Customers manage their services in the portal.</Text>
          <Button onClick={() => void logout()} variant="light">Sign out</Button>
        </Stack>
      </AuthShell>
    );
  }
  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="xl">
      <AppShell.Header>
        <Group h="100%" px="lg" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Logo product="Console" />
          </Group>
          <Menu position="bottom-end" width={220}>
            <Menu.Target>
              <UnstyledButton aria-label="Account menu" data-testid="account-menu">
                <Group gap="xs">
                  <Avatar color="dark" radius="xl" size={32}>{(me.data.user?.email ?? '?').slice(0, 1).toUpperCase()}</Avatar>
                  <Box visibleFrom="sm">
                    <Text size="sm" fw={600} lh={1.2}>Operator</Text>
                    <Text size="xs" c="dimmed" lh={1.2}>{me.data.user?.email ?? 'API key'}</Text>
                  </Box>
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item onClick={() => void logout()} color="red">Log out</Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main">
        <Stack gap={4}>
          {nav.map((n) => (
            <NavLink key={n.href} component={Link} href={n.href} label={n.label} leftSection={<Icon d={n.icon} />} active={pathname === n.href || pathname.startsWith(`${n.href}/`)} onClick={close} style={{ borderRadius: 8 }} fw={500} />
          ))}
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main bg="gray.0">
        <Box maw={1280} mx="auto">{children}</Box>
      </AppShell.Main>
    </AppShell>
  );
}
