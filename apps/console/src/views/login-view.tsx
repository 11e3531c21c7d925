'use client';
import { Alert, Button, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { AuthShell, PasswordField, problemFieldErrors, problemMessage, safeNext } from '@anyfront/ui';
import { useQueryClient } from '@tanstack/react-query';
import { useRouter, useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { api } from '../lib/api';

export function LoginView() {
  const router = useRouter();
  const params = useSearchParams();
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { email: '', password: '' },
    validate: {
      email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter your operator email address'),
      password: (v) => (v.length > 0 ? null : 'Enter your password'),
    },
  });
  const submit = form.onSubmit(async (values) => {
    setError(null);
    const { data, error: problem } = await api.POST('/v1/auth/login', { body: values });
    if (problem || !data) {
      const { fields } = problemFieldErrors(problem, ['email', 'password']);
      form.setErrors(fields);
      if (!Object.keys(fields).length) setError(problemMessage(problem, 'Could not sign in'));
      return;
    }
    qc.setQueryData(['me'], data);
    router.replace(safeNext(params.get('next'), '/overview'));
  });
  return (
    <AuthShell title="Operator sign-in" subtitle="The anycast pools, the edge fleet and the tenants. Operator accounts only." product="Console">
      <form onSubmit={submit} noValidate>
        <Stack>
          {params.get('expired') && !error && <Alert color="yellow" variant="light">Your session ended. Sign in again to continue where you were.</Alert>}
          {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
          <TextInput label="Email" type="email" autoComplete="email" required {...form.getInputProps('email')} />
          <PasswordField label="Password" autoComplete="current-password" required {...form.getInputProps('password')} />
          <Button type="submit" loading={form.submitting} fullWidth size="md">Sign in</Button>
        </Stack>
      </form>
    </AuthShell>
  );
}
