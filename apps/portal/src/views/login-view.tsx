'use client';
import { Anchor } from '@mantine/core';
import { AuthShell, SignInForm } from '@anyfront/ui';
import { api } from '../lib/api';

export function LoginView() {
  return (
    <AuthShell title="Sign in" subtitle="Welcome back. Your services are where you left them." footer={<>No account yet? <Anchor href="/signup" c="white" fw={600} underline="always">Create one</Anchor></>}>
      <SignInForm
        login={(body) => api.POST('/v1/auth/login', { body })}
        home="/services"
        emailHint="Enter the email address you signed up with"
        below={<Anchor href="/forgot-password" size="sm" ta="right" mt={-8}>Forgot password?</Anchor>}
      />
    </AuthShell>
  );
}
