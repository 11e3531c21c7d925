'use client';
import { Alert, Anchor, Button, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { problemFieldErrors, problemMessage, PasswordField, AuthShell } from '@anyfront/ui';
import { useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { api } from '../lib/api';

export function SignupView() {
  const router = useRouter();
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { organization_name: '', email: '', password: '' },
    // The API's rules (SignupDto): the API answers with the same messages per field when these pass but it disagrees.
    validate: {
      organization_name: (v) => (v.trim().length >= 1 && v.length <= 200 ? null : 'Name your organization'),
      email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter a valid email address'),
      password: (v) => (v.length >= 10 && v.length <= 200 ? null : 'Use 10 to 200 characters'),
    },
  });
  const submit = form.onSubmit(async (values) => {
    setError(null);
    const { data, error: problem } = await api.POST('/v1/auth/signup', { body: values });
    if (problem || !data) {
      const { fields } = problemFieldErrors(problem, ['organization_name', 'email', 'password']);
      form.setErrors(fields);
      if (!Object.keys(fields).length) setError(problemMessage(problem, 'Could not create the account'));
      return;
    }
    qc.setQueryData(['me'], data);
    router.replace('/services/new');
  });
  return (
    <AuthShell title="Create your account" subtitle="Anycast addresses for your service, announced from every point of presence, in a few minutes." footer={<>Already have an account? <Anchor href="/login" c="white" fw={600} underline="always">Sign in</Anchor></>}>
      <form onSubmit={submit} noValidate>
        <Stack>
          {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
          <TextInput label="Organization" placeholder="Acme Inc." required {...form.getInputProps('organization_name')} />
          <TextInput label="Work email" type="email" autoComplete="email" required {...form.getInputProps('email')} />
          <PasswordField label="Password" description="At least 10 characters" autoComplete="new-password" required {...form.getInputProps('password')} />
          <Button type="submit" loading={form.submitting} fullWidth size="md">Create account</Button>
        </Stack>
      </form>
    </AuthShell>
  );
}
