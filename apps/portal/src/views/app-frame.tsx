'use client';
import { Center, Loader, Menu } from '@mantine/core';
import { AppFrameShell, type NavItem } from '@anyfront/ui';
import { useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { api } from '../lib/api';
import { useMe } from '../lib/queries';
import { NoticesBanner } from './notices-banner';
import { CreateOrganizationModal, OrganizationMenuItems } from './organization-switcher';

const nav: NavItem[] = [
  { href: '/services', label: 'Services', icon: 'M4 6h16M4 12h16M4 18h10' },
  { href: '/usage', label: 'Usage', icon: 'M4 20V10M10 20V4M16 20v-7M22 20H2' },
  { href: '/billing', label: 'Billing', icon: 'M3 6h18v12H3zM3 10h18M7 15h4' },
  { href: '/api-keys', label: 'API keys', icon: 'M15 7a4 4 0 1 1-3.9 5H7v3H4v-3H2' },
  { href: '/members', label: 'Members', icon: 'M16 19a4 4 0 0 0-8 0M12 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6' },
];

/** The signed-in frame of the portal: the organization in the account menu. */
export function AppFrame({ children }: { children: ReactNode }) {
  const router = useRouter();
  const qc = useQueryClient();
  const me = useMe();
  const [creating, setCreating] = useState(false);
  // Loading the session; a 401 sends the browser to /login (the query client does).
  if (!me.data) return <Center mih="100vh"><Loader aria-label="Loading your account" /></Center>;
  const logout = async () => {
    await api.POST('/v1/auth/logout');
    qc.clear();
    router.replace('/login');
  };
  return (
    <>
    <CreateOrganizationModal opened={creating} onClose={() => setCreating(false)} />
    <AppFrameShell
      nav={nav}
      account={{ title: me.data.organization?.name ?? 'No organization', subtitle: me.data.user?.email ?? 'API key' }}
      menu={<>
        {me.data.credential === 'session' && <OrganizationMenuItems onCreate={() => setCreating(true)} />}
        <Menu.Label>Signed in as {me.data.role}</Menu.Label>
        <Menu.Item component={Link} href="/account">Account and password</Menu.Item>
        <Menu.Item onClick={() => void logout()} color="red.8">Log out</Menu.Item>
      </>}
    >
      <NoticesBanner />
      {children}
    </AppFrameShell>
    </>
  );
}
