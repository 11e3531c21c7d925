'use client';
import { Button, Center, Loader, Menu, Stack, Text } from '@mantine/core';
import { AppFrameShell, AuthShell, type NavItem } from '@anyfront/ui';
import { useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { api } from '../lib/api';
import { useMe } from '../lib/queries';

const nav: NavItem[] = [
  { href: '/overview', label: 'Overview', icon: 'M3 12l9-8 9 8M5 10v10h14V10' },
  { href: '/pools', label: 'Pools and slots', icon: 'M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z' },
  { href: '/relocations', label: 'Relocations', icon: 'M4 8h13l-3-3M20 16H7l3 3' },
  { href: '/lookup', label: 'Address lookup', icon: 'M11 18a7 7 0 1 1 0-14 7 7 0 0 1 0 14zM21 21l-5-5' },
  { href: '/edge-nodes', label: 'PoPs and edge nodes', icon: 'M12 3v18M3 12h18M5 5l14 14' },
  { href: '/organizations', label: 'Organizations', icon: 'M3 21V7l9-4 9 4v14M9 21v-6h6v6' },
  { href: '/price-book', label: 'Price book', icon: 'M12 3v18M17 7H9.5a2.5 2.5 0 0 0 0 5h5a2.5 2.5 0 0 1 0 5H6' },
  { href: '/audit-log', label: 'Audit log', icon: 'M6 3h9l4 4v14H6zM9 12h7M9 16h7M9 8h3' },
];

/** The operator console's frame; anyone who is not an operator is turned away here (the API refuses them too). */
export function ConsoleFrame({ children }: { children: ReactNode }) {
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
    <AppFrameShell
      product="Console"
      nav={nav}
      maxWidth={1280}
      account={{ title: 'Operator', subtitle: me.data.user?.email ?? 'API key', avatarColor: 'dark' }}
      menu={<Menu.Item onClick={() => void logout()} color="red">Log out</Menu.Item>}
    >
      {children}
    </AppFrameShell>
  );
}
