'use client';
import { Alert, Button, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { useRouter, useSearchParams } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { PasswordField } from './password-field';
import { problemFieldErrors, problemMessage, type ProblemLike } from './problem';
import { safeNext } from './query';

type Login = (body: { email: string; password: string }) => Promise<{ data?: unknown; error?: ProblemLike }>;

/**
 * The sign-in form of both web apps: email and password (the API's field errors on their fields),
 * the "session ended" and "password changed" notes, then back to `?next=` (same-site only) or `home`.
 */
export function SignInForm({ login, home, emailHint, below }: { login: Login; home: string; emailHint: string; below?: ReactNode }) {
  const router = useRouter();
  const params = useSearchParams();
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { email: '', password: '' },
    validate: {
      email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : emailHint),
      password: (v) => (v.length > 0 ? null : 'Enter your password'),
    },
  });
  const submit = form.onSubmit(async (values) => {
    setError(null);
    const { data, error: problem } = await login(values);
    if (problem || !data) {
      const { fields } = problemFieldErrors(problem, ['email', 'password']);
      form.setErrors(fields);
      if (!Object.keys(fields).length) setError(problemMessage(problem, 'Could not sign in'));
      return;
    }
    qc.setQueryData(['me'], data);
    router.replace(safeNext(params.get('next'), home));
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {params.get('expired') && !error && <Alert color="yellow" variant="light">Your session ended. Sign in again to continue where you were.</Alert>}
        {params.get('reset') && !error && <Alert color="teal" variant="light" role="status">Password changed. Sign in with your new password.</Alert>}
        {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
        <TextInput label="Email" type="email" autoComplete="email" required {...form.getInputProps('email')} />
        <PasswordField label="Password" autoComplete="current-password" required {...form.getInputProps('password')} />
        {below}
        <Button type="submit" loading={form.submitting} fullWidth size="md">Sign in</Button>
      </Stack>
    </form>
  );
}
