'use client';
import { Menu, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { FormModal, problemFieldErrors, problemMessage } from '@anyfront/ui';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { api, ok } from '../lib/api';

const Check = () => (
  <svg width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2.4" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true"><path d="M5 12l5 5L20 7" /></svg>
);

/** Acts for another organization of this account: the session switches, every cached answer goes. */
function useSwitchOrganization() {
  const qc = useQueryClient();
  const router = useRouter();
  return async (organizationId: string) => {
    await ok(api.POST('/v1/auth/switch-organization', { body: { organization_id: organizationId } }));
    qc.clear();
    router.replace('/services');
  };
}

/** The account menu's organization section: each organization (the current one checked) and "Create organization". */
export function OrganizationMenuItems({ onCreate }: { onCreate: () => void }) {
  const orgs = useQuery({ queryKey: ['me', 'organizations'], queryFn: () => ok(api.GET('/v1/me/organizations')) });
  const switchTo = useSwitchOrganization();
  return (
    <>
      <Menu.Label>Organizations</Menu.Label>
      {(orgs.data?.data ?? []).map((o) => (
        <Menu.Item key={o.id} data-organization={o.name} aria-current={o.current ? 'true' : undefined} rightSection={o.current ? <Check /> : null} onClick={() => { if (!o.current) void switchTo(o.id); }}>
          {o.name}
        </Menu.Item>
      ))}
      {(orgs.data?.can_create ?? 0) > 0 && <Menu.Item onClick={onCreate}>Create organization…</Menu.Item>}
      <Menu.Divider />
    </>
  );
}

/** A new organization of this account (own services, quotas and billing); the session switches to it. */
export function CreateOrganizationModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const switchTo = useSwitchOrganization();
  const [error, setError] = useState<string | null>(null);
  const form = useForm({ initialValues: { name: '' }, validate: { name: (v) => (v.trim().length >= 1 && v.length <= 100 ? null : 'Name the organization (1 to 100 characters)') } });
  const close = () => { form.reset(); setError(null); onClose(); };
  const submit = form.onSubmit(async ({ name }) => {
    setError(null);
    const { data, error: problem } = await api.POST('/v1/organizations', { body: { name } });
    if (problem || !data) {
      const { fields, rest } = problemFieldErrors(problem, ['name']);
      form.setErrors(fields);
      if (!Object.keys(fields).length || rest.length) setError(problemMessage(problem));
      return;
    }
    close();
    await switchTo(data.id);
  });
  return (
    <FormModal title="Create an organization" opened={opened} onClose={close} onSubmit={submit} submitLabel="Create and switch" submitting={form.submitting} error={error}>
      <TextInput label="Organization name" description="Its own services, addresses, members, quotas and billing" placeholder="Example Labs" required data-autofocus {...form.getInputProps('name')} />
    </FormModal>
  );
}
