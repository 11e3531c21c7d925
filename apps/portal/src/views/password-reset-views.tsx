'use client';
import { Alert, Anchor, Button, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { problemFieldErrors, problemMessage, PasswordField, AuthShell } from '@anyfront/ui';
import { useRouter, useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { api } from '../lib/api';

const backToLogin = <>Remembered it? <Anchor href="/login" c="white" fw={600} underline="always">Sign in</Anchor></>;

/** Step 1: ask for a reset token. The API answers the same whether or not the account exists. */
export function ForgotPasswordView() {
  const [sent, setSent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { email: '' },
    validate: { email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter the email address you signed up with') },
  });
  const submit = form.onSubmit(async (values) => {
    setError(null);
    const { data, error: problem } = await api.POST('/v1/auth/password-reset', { body: values });
    if (problem || !data) {
      const { fields } = problemFieldErrors(problem, ['email']);
      form.setErrors(fields);
      if (!Object.keys(fields).length) setError(problemMessage(problem, 'Could not request a reset'));
      return;
    }
    setSent(data.message);
  });
  return (
    <AuthShell title="Reset your password" subtitle="We send a one-time reset token to the account's email address. It is valid for one hour." footer={backToLogin}>
      {sent ? (
        <Stack>
          <Alert color="teal" variant="light" role="status" title="Check your email">{sent}</Alert>
          <Button component="a" href="/reset-password" variant="light" fullWidth>I have a token</Button>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
            <TextInput label="Email" type="email" autoComplete="email" required {...form.getInputProps('email')} />
            <Button type="submit" loading={form.submitting} fullWidth size="md">Send reset token</Button>
          </Stack>
        </form>
      )}
    </AuthShell>
  );
}

/** Step 2: the token (from the link or pasted) and a new password; every session of the account ends. */
export function ResetPasswordView() {
  const router = useRouter();
  const params = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { token: params.get('token') ?? '', new_password: '' },
    validate: {
      token: (v) => (v.trim().length > 0 ? null : 'Paste the token from the reset email'),
      new_password: (v) => (v.length >= 10 && v.length <= 200 ? null : 'Use 10 to 200 characters'),
    },
  });
  const submit = form.onSubmit(async (values) => {
    setError(null);
    const { error: problem } = await api.POST('/v1/auth/password-reset/confirm', { body: { token: values.token.trim(), new_password: values.new_password } });
    if (problem) {
      const { fields } = problemFieldErrors(problem, ['token', 'new_password']);
      form.setErrors(fields);
      if (!Object.keys(fields).length) setError(problemMessage(problem, 'Could not set the password'));
      return;
    }
    router.replace('/login?reset=1');
  });
  return (
    <AuthShell title="Choose a new password" subtitle="Every session of the account ends; sign in with the new password afterwards." footer={backToLogin}>
      <form onSubmit={submit} noValidate>
        <Stack>
          {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
          <TextInput label="Reset token" placeholder="afr_…" autoComplete="one-time-code" required {...form.getInputProps('token')} />
          <PasswordField label="New password" description="At least 10 characters, not easy to guess" autoComplete="new-password" required {...form.getInputProps('new_password')} />
          <Button type="submit" loading={form.submitting} fullWidth size="md">Set password</Button>
          <Text size="xs" c="dimmed" ta="center">No token? <Anchor href="/forgot-password" size="xs">Request a new one</Anchor></Text>
        </Stack>
      </form>
    </AuthShell>
  );
}
