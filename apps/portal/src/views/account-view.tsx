'use client';
import { Alert, Button, Card, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { problemFieldErrors, problemMessage, PasswordField, PageHeader } from '@anyfront/ui';
import { useState } from 'react';
import { api } from '../lib/api';
import { useMe } from '../lib/queries';

/** The signed-in account: who and where, and a password change (other sessions end). */
export function AccountView() {
  const me = useMe();
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { current_password: '', new_password: '' },
    validate: {
      current_password: (v) => (v.length > 0 ? null : 'Enter your current password'),
      new_password: (v) => (v.length >= 10 && v.length <= 200 ? null : 'Use 10 to 200 characters'),
    },
  });
  const submit = form.onSubmit(async (values) => {
    setError(null);
    setDone(false);
    const { error: problem } = await api.POST('/v1/me/password', { body: values });
    if (problem) {
      const { fields } = problemFieldErrors(problem, ['current_password', 'new_password']);
      form.setErrors(fields);
      if (!Object.keys(fields).length) setError(problemMessage(problem, 'Could not change the password'));
      return;
    }
    form.reset();
    setDone(true);
  });
  return (
    <>
      <PageHeader title="Account" description="Your sign-in and your organization." />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Card>
          <Title order={2} size="h4" mb="sm">Profile</Title>
          <Stack gap="xs">
            <div><Text size="xs" c="dimmed">Email</Text><Text fw={500}>{me.data?.user?.email ?? '—'}</Text></div>
            <div><Text size="xs" c="dimmed">Organization</Text><Text fw={500}>{me.data?.organization?.name ?? '—'}</Text></div>
            <div><Text size="xs" c="dimmed">Role</Text><Text fw={500} tt="capitalize">{me.data?.role ?? '—'}</Text></div>
          </Stack>
        </Card>
        <Card>
          <Title order={2} size="h4" mb={4}>Change password</Title>
          <Text size="sm" c="dimmed" mb="md">Every other session of this account is signed out; this one stays.</Text>
          <form onSubmit={submit} noValidate>
            <Stack>
              {done && <Alert color="teal" variant="light" role="status">Password changed.</Alert>}
              {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
              <PasswordField label="Current password" autoComplete="current-password" required {...form.getInputProps('current_password')} />
              <PasswordField label="New password" description="At least 10 characters, not easy to guess" autoComplete="new-password" required {...form.getInputProps('new_password')} />
              <Button type="submit" loading={form.submitting} style={{ alignSelf: 'flex-start' }}>Change password</Button>
            </Stack>
          </form>
        </Card>
      </SimpleGrid>
    </>
  );
}
