'use client';
import { AppShell, Avatar, Box, Burger, Center, Group, Loader, Menu, NavLink, Stack, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { Logo } from '@anyfront/ui';
import { api } from '../lib/api';
import { useMe } from '../lib/queries';

const nav = [
  { href: '/services', label: 'Services', icon: 'M4 6h16M4 12h16M4 18h10' },
  { href: '/usage', label: 'Usage', icon: 'M4 20V10M10 20V4M16 20v-7M22 20H2' },
  { href: '/billing', label: 'Billing', icon: 'M3 6h18v12H3zM3 10h18M7 15h4' },
  { href: '/api-keys', label: 'API keys', icon: 'M15 7a4 4 0 1 1-3.9 5H7v3H4v-3H2' },
  { href: '/members', label: 'Members', icon: 'M16 19a4 4 0 0 0-8 0M12 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6' },
];

const Icon = ({ d }: { d: string }) => (
  <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true"><path d={d} /></svg>
);

/** The signed-in frame: header with organization and account menu, navigation, the page. */
export function AppFrame({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const pathname = usePathname();
  const router = useRouter();
  const qc = useQueryClient();
  const me = useMe();

  if (!me.data) {
    // Loading the session; a 401 sends the browser to /login (lib/api.ts).
    return <Center mih="100vh"><Loader aria-label="Loading your account" /></Center>;
  }
  const logout = async () => {
    await api.POST('/v1/auth/logout');
    qc.clear();
    router.replace('/login');
  };
  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="xl">
      <AppShell.Header>
        <Group h="100%" px="lg" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Logo />
          </Group>
          <Menu position="bottom-end" width={240}>
            <Menu.Target>
              <UnstyledButton aria-label="Account menu" data-testid="account-menu">
                <Group gap="xs">
                  <Avatar color="brand" radius="xl" size={32}>{(me.data.user?.email ?? "?").slice(0, 1).toUpperCase()}</Avatar>
                  <Box visibleFrom="sm">
                    <Text size="sm" fw={600} lh={1.2}>{me.data.organization?.name ?? "No organization"}</Text>
                    <Text size="xs" c="dimmed" lh={1.2}>{me.data.user?.email ?? "API key"}</Text>
                  </Box>
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>Signed in as {me.data.role}</Menu.Label>
              <Menu.Item component={Link} href="/account">Account and password</Menu.Item>
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
        <Box maw={1180} mx="auto">{children}</Box>
      </AppShell.Main>
    </AppShell>
  );
}
