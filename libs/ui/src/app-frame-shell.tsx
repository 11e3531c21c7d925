'use client';
import { AppShell, Avatar, Box, Burger, Group, Menu, NavLink, Stack, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { Logo } from './logo';

export interface NavItem { href: string; label: string; /** an SVG path, 24×24 */ icon: string }

const Icon = ({ d }: { d: string }) => (
  <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true"><path d={d} /></svg>
);

/**
 * The signed-in frame of both web apps: header with the logo and an account menu, the navigation
 * (a burger on small screens), the page. Each app brings its nav, its account line and menu items.
 */
export function AppFrameShell({ product, nav, account, menu, maxWidth = 1180, children }: {
  product?: string;
  nav: NavItem[];
  account: { title: string; subtitle: string; avatarColor?: string };
  menu: ReactNode;
  maxWidth?: number;
  children: ReactNode;
}) {
  const [opened, { toggle, close }] = useDisclosure();
  const pathname = usePathname();
  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="xl">
      <AppShell.Header>
        <Group h="100%" px="lg" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Logo product={product} />
          </Group>
          <Menu position="bottom-end" width={240}>
            <Menu.Target>
              <UnstyledButton aria-label="Account menu" data-testid="account-menu">
                <Group gap="xs">
                  <Avatar color={account.avatarColor ?? 'brand'} radius="xl" size={32}>{account.subtitle.slice(0, 1).toUpperCase()}</Avatar>
                  <Box visibleFrom="sm">
                    <Text size="sm" fw={600} lh={1.2}>{account.title}</Text>
                    <Text size="xs" c="dimmed" lh={1.2}>{account.subtitle}</Text>
                  </Box>
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>{menu}</Menu.Dropdown>
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
        <Box maw={maxWidth} mx="auto">{children}</Box>
      </AppShell.Main>
    </AppShell>
  );
}
